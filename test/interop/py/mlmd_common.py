"""Shared by the interop scripts: open MLMD's own store client on the store a test names, and
turn MLMD's protos into plain JSON the tests can compare."""
import base64
import json
import math
import sys

from google.protobuf import json_format
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2


def read_input():
    return json.load(sys.stdin)


def connect(store):
    """store: {"sqlite": path} or {"postgres": {"host", "port", "user", "dbname"}}."""
    config = metadata_store_pb2.ConnectionConfig()
    if "sqlite" in store:
        config.sqlite.filename_uri = store["sqlite"]
        config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    else:
        pg = store["postgres"]
        config.postgresql.host = pg["host"]
        config.postgresql.port = str(pg["port"])
        config.postgresql.user = pg["user"]
        config.postgresql.dbname = pg["dbname"]
        config.postgresql.skip_db_creation = True
    return metadata_store.MetadataStore(config)


def number(x):
    """JSON has no NaN/Infinity: name them."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def value_json(value):
    kind = value.WhichOneof("value")
    if kind == "int_value":
        return {"INT": value.int_value}
    if kind == "double_value":
        return {"DOUBLE": number(value.double_value)}
    if kind == "string_value":
        return {"STRING": value.string_value}
    if kind == "struct_value":
        return {"STRUCT": json_format.MessageToDict(value.struct_value)}
    if kind == "proto_value":
        return {"PROTO": {"type_url": value.proto_value.type_url,
                          "value": base64.b64encode(value.proto_value.value).decode()}}
    if kind == "bool_value":
        return {"BOOLEAN": value.bool_value}
    return {None: None}


def props_json(props):
    return {name: value_json(v) for name, v in sorted(props.items())}


def node_json(node, type_names):
    out = {"id": node.id, "type": type_names.get(node.type_id, node.type_id),
           "properties": props_json(node.properties),
           "custom_properties": props_json(node.custom_properties)}
    for field in ("name", "external_id", "uri"):
        if hasattr(node, field) and node.HasField(field):
            out[field] = getattr(node, field)
    if hasattr(node, "state") and node.HasField("state"):
        out["state"] = metadata_store_pb2.Artifact.State.Name(node.state)
    if hasattr(node, "last_known_state") and node.HasField("last_known_state"):
        out["last_known_state"] = metadata_store_pb2.Execution.State.Name(node.last_known_state)
    return out


def type_json(t):
    out = {"id": t.id, "name": t.name,
           "properties": {k: metadata_store_pb2.PropertyType.Name(v) for k, v in sorted(t.properties.items())}}
    if t.HasField("version"):
        out["version"] = t.version
    if t.HasField("base_type"):
        out["base_type"] = t.SystemDefinedBaseType.Name(t.base_type)
    return out


def emit(data):
    json.dump(data, sys.stdout, sort_keys=True)


def set_value(target, value):
    """Set an MLMD Value from the JSON form value_json returns ({"STRING": "x"}, ...)."""
    (kind, v), = value.items()
    if kind == "INT":
        target.int_value = v
    elif kind == "DOUBLE":
        target.double_value = float(v)
    elif kind == "STRING":
        target.string_value = v
    elif kind == "STRUCT":
        target.struct_value.Clear()
        target.struct_value.update(v)
    elif kind == "BOOLEAN":
        target.bool_value = v
    elif kind == "PROTO":
        target.proto_value.type_url = v["type_url"]
        target.proto_value.value = base64.b64decode(v["value"])
    else:
        raise ValueError("unknown kind " + kind)
