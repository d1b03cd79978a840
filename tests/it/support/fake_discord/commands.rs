//! Application (slash) commands: global and guild lists with PUT (bulk overwrite), POST
//! (upsert by name), GET, PATCH and DELETE, answered with ids, application_id and version.
use serde_json::{Value, json};

use super::rest::Reply;
use super::{FakeConfig, State as St, id_of};

pub(super) fn commands(
    st: &mut St,
    config: &FakeConfig,
    body: &Value,
    method: &str,
    guild: Option<u64>,
    rest: &[&str],
) -> Reply {
    let mut list = match guild {
        None => std::mem::take(&mut st.global_commands),
        Some(g) => st.guild_commands.remove(&g).unwrap_or_default(),
    };
    let reply = commands_on(st, config, body, method, guild, &mut list, rest);
    match guild {
        None => st.global_commands = list,
        Some(g) => {
            st.guild_commands.insert(g, list);
        }
    }
    reply
}

fn commands_on(
    st: &mut St,
    config: &FakeConfig,
    body: &Value,
    method: &str,
    guild: Option<u64>,
    list: &mut Vec<Value>,
    rest: &[&str],
) -> Reply {
    let normalize = |st: &mut St, cmd: Value, id: Option<Value>| -> Value {
        let mut cmd = if cmd.is_object() { cmd } else { json!({}) };
        let id = id.unwrap_or_else(|| json!(st.next_id().to_string()));
        cmd["id"] = id;
        cmd["application_id"] = json!(config.application_id.to_string());
        cmd["guild_id"] = json!(guild.map(|g| g.to_string()));
        cmd["version"] = json!(st.next_id().to_string());
        for (key, default) in
            [("type", json!(1)), ("description", json!("")), ("options", json!([]))]
        {
            if cmd.get(key).is_none_or(Value::is_null) {
                cmd[key] = default;
            }
        }
        cmd
    };
    let id_by_name = |list: &[Value], name: Option<&Value>| {
        list.iter().find(|c| c.get("name") == name).and_then(|c| c.get("id")).cloned()
    };
    let position = |list: &[Value], cid: &str| {
        list.iter().position(|c| c.get("id").and_then(id_of) == cid.parse().ok())
    };
    match (method, rest) {
        ("GET", []) => Reply::ok(Value::Array(list.clone())),
        ("PUT", []) => {
            let Some(new) = body.as_array() else {
                return Reply::error(400, "400: Bad Request", 50035);
            };
            let new: Vec<Value> = new
                .iter()
                .map(|c| {
                    let id = id_by_name(list, c.get("name"));
                    normalize(st, c.clone(), id)
                })
                .collect();
            *list = new;
            Reply::ok(Value::Array(list.clone()))
        }
        ("POST", []) => {
            let existing = list.iter().position(|c| c.get("name") == body.get("name"));
            let id = existing.and_then(|i| list.get(i)).and_then(|c| c.get("id")).cloned();
            let cmd = normalize(st, body.clone(), id);
            match existing {
                Some(i) => {
                    list[i] = cmd.clone();
                    Reply::ok(cmd)
                }
                None => {
                    list.push(cmd.clone());
                    Reply::json(201, cmd)
                }
            }
        }
        (method, [cid]) => {
            let Some(i) = position(list, cid) else {
                return Reply::error(404, "Unknown application command", 10063);
            };
            match method {
                "GET" => Reply::ok(list[i].clone()),
                "DELETE" => {
                    list.remove(i);
                    Reply::no_content()
                }
                "PATCH" => {
                    let mut merged = list[i].clone();
                    if let (Some(m), Some(b)) = (merged.as_object_mut(), body.as_object()) {
                        m.extend(b.clone());
                    }
                    let id = list[i].get("id").cloned();
                    list[i] = normalize(st, merged, id);
                    Reply::ok(list[i].clone())
                }
                _ => Reply::error(405, "405: Method Not Allowed", 0),
            }
        }
        _ => Reply::not_found(),
    }
}
