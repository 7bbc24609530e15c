#!/usr/bin/python3
"""validate-results.py SCHEMA RESULTS...: checks each results.json against
the JSON Schema (docs/results.schema.json); names every violation with its
path. Exit 0 when all are valid, 1 otherwise, 2 when the schema itself is
not a valid draft-07 schema."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
try:
    jsonschema.Draft7Validator.check_schema(schema)
except jsonschema.SchemaError as e:
    print(f"{sys.argv[1]}: not a valid schema: {e.message}")
    sys.exit(2)
validator = jsonschema.Draft7Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for err in sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in err.path) or "(top)"
        print(f"{path}: {where}: {err.message}")
        bad += 1
sys.exit(1 if bad else 0)
