#!/usr/bin/python3
"""Drive PyKMIP's own client (kmip.pie.client.ProxyKmipClient) from a JSON plan on stdin.

Used by Keywatch tests and benchmarks to check that a KMIP server (PyKMIP or the lab KMS) answers
a real third-party client, and to time PyKMIP's per-key calls. Run with /usr/bin/python3 (Debian
python3-pykmip). Prints one JSON document on stdout. Key material is never printed.

Plan: {"connection": {"host", "port", "ca", "cert", "key", "timeout"?},
       "steps": [{"op": ..., ...}, ...]}
A "uid" of the form "$N" refers to the uid produced by step N (0-based).
"""
import enum
import json
import logging
import sys
import time

from kmip.core import enums
from kmip.pie import client as pie_client
from kmip.pie import exceptions

logging.disable(logging.CRITICAL)


def to_json_value(value):
    # PyKMIP wraps values in primitives with .value; enum members also have .value, so stop there.
    if not isinstance(value, enum.Enum):
        value = getattr(value, "value", value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": len(value)}
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    name_value = getattr(value, "name_value", None)
    if name_value is not None:
        return to_json_value(name_value)
    return str(value)


def attributes_to_dict(attributes):
    result = {}
    for attribute in attributes:
        name = attribute.attribute_name.value
        value = to_json_value(attribute.attribute_value)
        if name in result:
            previous = result[name]
            result[name] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            result[name] = value
    return result


def failure(error):
    if isinstance(error, exceptions.KmipOperationFailure):
        # pie's exception keeps the enums on the instance (status, reason, message).
        return {
            "ok": False,
            "status": to_json_value(error.status),
            "reason": to_json_value(error.reason),
            "message": str(error.message) if hasattr(error, "message") else str(error),
        }
    return {"ok": False, "status": "CLIENT_ERROR", "reason": type(error).__name__, "message": str(error)}


def resolve_uid(step, produced):
    uid = step.get("uid")
    if isinstance(uid, str) and uid.startswith("$"):
        return produced[int(uid[1:])]
    return uid


def check_operation_result(result):
    status = result.result_status.value
    if status != enums.ResultStatus.SUCCESS:
        reason = result.result_reason.value if result.result_reason else None
        message = result.result_message.value if result.result_message else ""
        raise exceptions.KmipOperationFailure(status, reason, message)


def run_step(client, step, produced):
    op = step["op"]
    if op == "discover_versions":
        result = client.proxy.discover_versions()
        check_operation_result(result)
        versions = ["%d.%d" % (v.major, v.minor) for v in (result.protocol_versions or [])]
        return {"versions": versions}
    if op == "query":
        result = client.proxy.query(query_functions=[
            enums.QueryFunction.QUERY_OPERATIONS,
            enums.QueryFunction.QUERY_OBJECTS,
            enums.QueryFunction.QUERY_SERVER_INFORMATION,
        ])
        check_operation_result(result)
        return {
            "operations": [to_json_value(o) for o in (result.operations or [])],
            "object_types": [to_json_value(o) for o in (result.object_types or [])],
            "vendor_identification": to_json_value(result.vendor_identification),
        }
    if op == "create":
        algorithm = getattr(enums.CryptographicAlgorithm, step.get("algorithm", "AES"))
        uid = client.create(algorithm, int(step.get("length", 256)), name=step.get("name"))
        return {"uid": uid}
    if op == "create_many":
        algorithm = getattr(enums.CryptographicAlgorithm, step.get("algorithm", "AES"))
        uids = [client.create(algorithm, int(step.get("length", 256))) for _ in range(int(step["count"]))]
        if step.get("activate"):
            for uid in uids:
                client.activate(uid)
        return {"uids": uids}
    if op == "activate":
        client.activate(resolve_uid(step, produced))
        return {}
    if op == "revoke":
        reason = getattr(enums.RevocationReasonCode, step.get("reason", "CESSATION_OF_OPERATION"))
        client.revoke(reason, resolve_uid(step, produced))
        return {}
    if op == "destroy":
        client.destroy(resolve_uid(step, produced))
        return {}
    if op == "get":
        managed = client.get(resolve_uid(step, produced))
        return {
            "object_type": to_json_value(managed.object_type),
            "algorithm": to_json_value(getattr(managed, "cryptographic_algorithm", None)),
            "length": to_json_value(getattr(managed, "cryptographic_length", None)),
            "value_bytes": len(getattr(managed, "value", b"") or b""),
        }
    if op == "get_attributes":
        uid, attributes = client.get_attributes(resolve_uid(step, produced), step.get("names"))
        return {"uid": uid, "attributes": attributes_to_dict(attributes)}
    if op == "get_attributes_each":
        # One request per key over one connection: how PyKMIP's client checks a list of keys.
        results = []
        started = time.perf_counter()
        for uid in step["uids"]:
            try:
                _, attributes = client.get_attributes(uid, step.get("names"))
                results.append({"uid": uid, "ok": True, "attributes": attributes_to_dict(attributes)})
            except Exception as error:  # noqa: BLE001 - every failure is a result here
                entry = failure(error)
                entry["uid"] = uid
                results.append(entry)
        return {"elapsed_ms": (time.perf_counter() - started) * 1000.0, "results": results}
    if op == "locate":
        attributes = []
        if step.get("name"):
            factory = client.attribute_factory
            attributes.append(factory.create_attribute(enums.AttributeType.NAME, step["name"]))
        uids = client.locate(maximum_items=step.get("maximum_items"), attributes=attributes or None)
        return {"uids": list(uids)}
    raise ValueError("unknown op %r" % op)


def main():
    plan = json.load(sys.stdin)
    conn = plan["connection"]
    client = pie_client.ProxyKmipClient(
        hostname=conn["host"],
        port=int(conn["port"]),
        cert=conn["cert"],
        key=conn["key"],
        ca=conn["ca"],
        config_file="/dev/null",
    )
    client.proxy.timeout = float(conn.get("timeout", 30))
    started = time.perf_counter()
    try:
        client.open()
    except Exception as error:  # noqa: BLE001
        print(json.dumps({"connected": False, "error": "%s: %s" % (type(error).__name__, error)}))
        return 2
    connect_ms = (time.perf_counter() - started) * 1000.0

    produced = []
    steps = []
    for step in plan["steps"]:
        step_started = time.perf_counter()
        try:
            out = run_step(client, step, produced)
            out["ok"] = True
        except Exception as error:  # noqa: BLE001
            out = failure(error)
        out["op"] = step["op"]
        out["ms"] = (time.perf_counter() - step_started) * 1000.0
        produced.append(out.get("uid"))
        steps.append(out)
    client.close()
    print(json.dumps({"connected": True, "connect_ms": connect_ms, "steps": steps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
