-- Shared builders for the diffrules specs: fake service rows and policy
-- inputs shaped like the services plugin's output (see lua/hh/rules/*.lua).
local H = {}

local time = require "hh.time"

-- H.row{ name=, set=1, current=true, start=, type=, image_path=, ... ,
--        last_write="ISO" } -> a row with `values` built from the fields.
function H.row(spec)
  local set = spec.set or 1
  local r = {}
  for k, v in pairs(spec) do r[k] = v end
  r.set = nil
  r.control_set = string.format("ControlSet%03d", set)
  r.control_set_number = set
  if r.current == nil then r.current = (set == 1) end
  r.key = r.control_set .. "\\Services\\" .. r.name
  r.type = r.type == nil and 0x10 or r.type
  r.start = r.start == nil and 3 or r.start
  if r.start == false then r.start = nil end
  if r.last_write and not r.last_write_epoch then r.last_write_epoch = assert(time.parse(r.last_write)) end
  if r.parameters_last_write and not r.parameters_last_write_epoch then
    r.parameters_last_write_epoch = assert(time.parse(r.parameters_last_write))
  end
  if r.values == nil then
    local v = {}
    if r.image_path then v.ImagePath = { type = "REG_EXPAND_SZ", data = r.image_path } end
    if r.start then v.Start = { type = "REG_DWORD", data = r.start } end
    if r.type then v.Type = { type = "REG_DWORD", data = r.type } end
    if r.object_name then v.ObjectName = { type = "REG_SZ", data = r.object_name } end
    if r.display_name then v.DisplayName = { type = "REG_SZ", data = r.display_name } end
    for name, val in pairs(spec.extra_values or {}) do v[name] = val end
    r.values = v
  end
  r.extra_values = nil
  r.hive = "SYSTEM"
  return r
end

-- A deep copy, so a spec can change one field of a baseline row.
function H.copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = H.copy(v) end
  return c
end

function H.input(rows, extra)
  local i = { plugin = "services", hive = { path = "SYSTEM", kind = "SYSTEM" }, rows = rows, args = {} }
  for k, v in pairs(extra or {}) do i[k] = v end
  return i
end

-- Rules by id from a rule-set module.
function H.rules(module)
  local by_id = {}
  for _, r in ipairs(require(module)) do by_id[r.id] = r end
  return by_id
end

-- Hits of one rule, as { [service name] = {hit, ...} } plus the flat list.
function H.run(rule, input)
  local hits = rule.evaluate(input, {})
  local by_name = {}
  for _, h in ipairs(hits) do
    local n = h.row.name
    by_name[n] = by_name[n] or {}
    table.insert(by_name[n], h)
  end
  return by_name, hits
end

-- The set rule contract every rule in these modules must meet.
function H.check_contract(rule)
  assert(type(rule.id) == "string" and rule.id:match("^[a-z0-9-]+$"), "id")
  assert(rule.technique == "T1543.003", "technique")
  local sev = { info = 1, low = 1, medium = 1, high = 1, critical = 1 }
  assert(sev[rule.severity], "severity")
  assert(type(rule.weight) == "number", "weight")
  assert(type(rule.message) == "string" and not rule.message:find("\n"), "message")
  assert(type(rule.evaluate) == "function", "evaluate")
end

return H
