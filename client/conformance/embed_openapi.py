#!/usr/bin/python3
"""Turns docs/admin-api.yaml into a C++ source holding it as compact JSON, so the conformance
checker validates against the very file the contract ships (build step; needs python3-yaml)."""
import json
import sys

import yaml


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if ")CUTOVER_OPENAPI\"" in text:
        sys.exit("the schema contains the raw-string delimiter")
    with open(target, "w", encoding="utf-8") as f:
        f.write("// Generated from docs/admin-api.yaml by client/conformance/embed_openapi.py.\n")
        f.write('#include "client/conformance/openapischema.h"\n\n')
        f.write("namespace cutover {\n\n")
        f.write("const char *OpenApiSchema::embeddedAdminApi()\n{\n")
        f.write('    return R"CUTOVER_OPENAPI(' + text + ')CUTOVER_OPENAPI";\n}\n\n')
        f.write("} // namespace cutover\n")


if __name__ == "__main__":
    main()
