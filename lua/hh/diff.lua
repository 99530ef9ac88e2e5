-- hh.diff: what the baseline and control-set rules share: choosing the
-- control set to compare, indexing rows by service name, comparing the five
-- service values the way Windows reads them (paths normalised), and naming
-- the direction of a Start change.
local paths = require "hh.paths"

local M = {}

-- "ControlSet002" -> 2; nil when the name has no number.
function M.set_number(name)
  if type(name) ~= "string" then return nil end
  return tonumber(name:match("(%d+)$"))
end

local function row_set_number(row)
  return row.control_set_number or M.set_number(row.control_set)
end

-- The control set a row list describes as current: the declared one, else the
-- set of any row marked current, else the lowest-numbered set (what Windows
-- boots when Select is unreadable is unknowable offline; the lowest set is the
-- usual Current on an untouched install).
function M.current_set(rows, declared)
  if declared then return declared end
  local lowest, lowest_n
  for _, row in ipairs(rows or {}) do
    if row.control_set then
      if row.current and not row.recovered then return row.control_set end
      local n = row_set_number(row) or math.huge
      if not lowest or n < lowest_n or (n == lowest_n and row.control_set < lowest) then
        lowest, lowest_n = row.control_set, n
      end
    end
  end
  return lowest
end

-- Control sets present in rows (and in the declared list), lowest number first.
function M.sets(rows, declared)
  local seen, list = {}, {}
  for _, name in ipairs(declared or {}) do
    if not seen[name] then seen[name] = true; list[#list + 1] = name end
  end
  rows = rows or {}
  for i = 1, #rows do
    local name = rows[i].control_set
    if name and not seen[name] then seen[name] = true; list[#list + 1] = name end
  end
  table.sort(list, function(a, b)
    local na, nb = M.set_number(a) or math.huge, M.set_number(b) or math.huge
    if na ~= nb then return na < nb end
    return a < b
  end)
  return list
end

-- Index the live (not recovered) rows of one control set by lowercased
-- service name. Registry key names are case-insensitive, so two live rows
-- cannot share a name; if a malformed input has them, the first wins.
-- Returns index, names (sorted lowercased names).
function M.index_set(rows, set)
  local index, names = {}, {}
  for _, row in ipairs(rows or {}) do
    if row.control_set == set and not row.recovered and type(row.name) == "string" then
      local key = row.name:lower()
      if not index[key] then
        index[key] = row
        names[#names + 1] = key
      end
    end
  end
  table.sort(names)
  return index, names
end

-- Per-user service instances (Type bit 0x80, "CDPUserSvc_1a2b3c") carry a
-- suffix that differs between machines and logons: two hives of the same
-- build never share them. For comparing a hive with a golden image they are
-- matched by template name and order ("cdpusersvc_*#1", "#2", ...).
local USER_INSTANCE = 0x80

local function instance_base(row)
  if type(row.type) ~= "number" or math.type(row.type) ~= "integer" or row.type & USER_INSTANCE == 0 then
    return nil
  end
  return row.name:match("^(.+)_%x+$")
end

-- Like index_set, with per-user instances keyed by template and order.
function M.index_set_matching(rows, set)
  local index, names = {}, {}
  local instances = {}
  for _, row in ipairs(rows or {}) do
    if row.control_set == set and not row.recovered and type(row.name) == "string" then
      local base = instance_base(row)
      if base then
        instances[#instances + 1] = { base = base:lower(), name = row.name:lower(), row = row }
      else
        local key = row.name:lower()
        if not index[key] then
          index[key] = row
          names[#names + 1] = key
        end
      end
    end
  end
  table.sort(instances, function(a, b)
    if a.base ~= b.base then return a.base < b.base end
    return a.name < b.name
  end)
  local count = {}
  for _, inst in ipairs(instances) do
    count[inst.base] = (count[inst.base] or 0) + 1
    local key = inst.base .. "_*#" .. count[inst.base]
    index[key] = inst.row
    names[#names + 1] = key
  end
  table.sort(names)
  return index, names
end

-- Recovered (deleted) rows of a set, by lowercased name.
function M.index_recovered(rows, set)
  local index = {}
  for _, row in ipairs(rows or {}) do
    if row.control_set == set and row.recovered and type(row.name) == "string" then
      index[row.name:lower()] = index[row.name:lower()] or row
    end
  end
  return index
end

local function squash(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""):gsub("%s+", " "):lower())
end

-- Compare two ImagePath command lines. Returns nil when they launch the same
-- binary with the same arguments (spelling aside), else a table:
-- { binary = true|false, args = true|false, old_binary=, new_binary= }.
function M.command_difference(old, new)
  if old == new then return nil end
  if old == nil or new == nil then
    return { binary = true, args = false, added = old == nil, removed = new == nil }
  end
  local ob, nb = paths.binary(old), paths.binary(new)
  local _, oa = paths.split_command(old)
  local _, na = paths.split_command(new)
  oa, na = squash(oa or ""), squash(na or "")
  if ob == nb and oa == na then return nil end
  return { binary = ob ~= nb, args = oa ~= na, old_binary = ob, new_binary = nb }
end

-- Compare two plain paths (ServiceDll). Returns nil when they name the same
-- file, else a table { old_normalized=, new_normalized= }.
function M.path_difference(old, new)
  if old == new then return nil end
  if old == nil or new == nil then
    return { added = old == nil, removed = new == nil,
             old_normalized = old and paths.normalize(old), new_normalized = new and paths.normalize(new) }
  end
  local on, nn = paths.normalize(old), paths.normalize(new)
  if on == nn then return nil end
  return { old_normalized = on, new_normalized = nn }
end

-- Account names are case-insensitive and "LocalSystem" is also spelled
-- ".\LocalSystem"; the NT AUTHORITY accounts have no other spelling.
function M.account_key(name)
  if name == nil then return nil end
  local s = squash(tostring(name))
  s = s:gsub("^%.\\", "")
  return s
end

function M.same_account(a, b)
  return a == b or M.account_key(a) == M.account_key(b)
end

M.start_names = { [0] = "boot", [1] = "system", [2] = "automatic", [3] = "manual", [4] = "disabled" }

function M.start_label(v)
  if v == nil then return "absent" end
  local name = M.start_names[v]
  return name and string.format("%d (%s)", v, name) or tostring(v)
end

-- Services whose disabling is defence evasion (T1562.001). Lowercased
-- service key names; analysts extend this table or pass
-- ctx.is_security_service(row) from their policy.
M.security_services = {}
for _, name in ipairs {
  -- Microsoft Defender, firewall, security center, event logging
  "windefend", "wdnissvc", "wdnisdrv", "wdfilter", "wdboot", "sense", "securityhealthservice",
  "wscsvc", "mpssvc", "bfe", "eventlog", "sgrmbroker", "mpsdrv",
  -- Sysmon and common EDR / antivirus agents
  "sysmon", "sysmon64", "sysmondrv", "csagent", "csfalconservice", "cylancesvc",
  "sentinelagent", "sentinelmonitor", "cbdefense", "carbonblack", "carbonblackk",
  "mbamservice", "mcshield", "mfefire", "mfemms", "mfevtp", "ekrn", "avp", "klif",
  "savservice", "sophos agent", "sophossps", "sepmasterservice", "smcservice", "symefasi",
  "ntrtscan", "tmlisten", "tmccsf", "xagt", "elastic-endpoint", "elastic-agent",
} do M.security_services[name] = true end

function M.is_security_service(row, ctx)
  if ctx and type(ctx.is_security_service) == "function" then
    return ctx.is_security_service(row) and true or false
  end
  return type(row.name) == "string" and M.security_services[row.name:lower()] == true
end

local function is_driver(row)
  return type(row.type) == "number" and row.type & 0x3 ~= 0 and row.type & 0x30 == 0
end
M.is_driver = is_driver

-- Classify a Start change. Returns kind, severity, phrase:
--   "to-autostart"  3/4/absent -> 0/1/2: the service (or driver) now runs at
--                   every boot without anyone starting it: boot persistence;
--   "disabled-security"  a security product set to 4: defence evasion;
--   "disabled"      anything else set to 4;
--   "other"         any other move (2 -> 3, 0 -> 1, ...).
function M.start_change(old, new, row, ctx)
  local old_auto = old ~= nil and old <= 2
  local new_auto = new ~= nil and new <= 2
  if new_auto and not old_auto then
    return "to-autostart", "medium",
      string.format("Start %s -> %s: now starts at every boot", M.start_label(old), M.start_label(new))
  end
  if new == 4 and old ~= 4 then
    if M.is_security_service(row, ctx) then
      return "disabled-security", "high",
        string.format("Start %s -> %s: security service disabled", M.start_label(old), M.start_label(new))
    end
    return "disabled", "low",
      string.format("Start %s -> %s: disabled", M.start_label(old), M.start_label(new))
  end
  return "other", "low", string.format("Start %s -> %s", M.start_label(old), M.start_label(new))
end

-- Values compared field by field by the dedicated rules; baseline-value-changed
-- skips them so each change is reported once.
M.dedicated_values = { imagepath = true, start = true, type = true, objectname = true, servicedll = true }

-- Canonical form of a registry value's data for comparison: strings as-is,
-- binary hex lowercased, arrays element by element. Returns a string key.
function M.value_key(v)
  if v == nil then return nil end
  local data = v.data
  local t = v.type or ""
  local d
  if type(data) == "table" then
    local parts = {}
    for i, item in ipairs(data) do parts[i] = tostring(item) end
    d = "[" .. table.concat(parts, "\0") .. "]"
  elseif t == "REG_BINARY" or t == "REG_NONE" or t:find("RESOURCE") then
    d = tostring(data):lower()
  else
    d = tostring(data)
  end
  return t .. "\0" .. d
end

return M
