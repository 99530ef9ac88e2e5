-- correlate: the policy the host runs last, over every plugin's rows and
-- findings, for what no single plugin can see: one binary persisted by two
-- or more mechanisms (a service, a scheduled task, a Run value, an IFEO
-- debugger...). Attackers plant several so one removal does not evict them.
--
-- input = { plugin = "correlate", rows = {},
--           previous = { [plugin] = rows },        every plugin that ran
--           findings = { [plugin] = findings } }   what their policies said
--
-- What an entry runs is data, per plugin (M.extractors): services give
-- ImagePath's program and ServiceDll, tasks the command of each exec action,
-- autoruns row.binary; any other plugin is read through row.binary (a path)
-- or row.launches (a command line, or a list of them), so a new plugin takes
-- part by filling one of those. Every binary is brought to one spelling by
-- hh.paths (environment variables, \??\, quotes and arguments, case, known
-- 8.3 names): %ProgramData%\Intel\x.exe and "C:\PROGRAMDATA\Intel\x.exe" -k
-- are the same binary. In a user hive %USERPROFILE% is that user's profile.
--
-- A binary counts when two or more distinct mechanisms (plugin, and the
-- row's location within it) run it. Software in the Windows or Program
-- Files folders legitimately pairs a service with a task or a Run value
-- (updaters, VM tools), so such a binary counts only when one of its
-- entries was already flagged; anywhere else it always counts. The finding
-- is at least high, and as severe as the worst finding on any of its
-- entries: a binary one mechanism's rules flag raises the others with it.

local paths = require "hh.paths"
local policy = require "hh.policy"

local M = {}

local function exec_of(command)
  if type(command) ~= "string" then return nil end
  return paths.binary(command)
end

local function path_of(p)
  if type(p) ~= "string" then return nil end
  return paths.normalize(p)
end

-- Rows of a plugin that persist something now: a service's current control
-- set (every set when none is marked current), never a deleted key.
local function live_services(rows)
  local any_current = false
  for _, r in ipairs(rows) do
    if r.current then any_current = true break end
  end
  local out = {}
  for i = 1, #rows do
    local r = rows[i]
    if not r.recovered and (r.current or not any_current) then out[#out + 1] = r end
  end
  return out
end

-- extractors[plugin] = { technique =, rows = function(rows) -> rows (optional),
--   entries = function(row) -> { { binary =, command =, value = }, ... } }
M.extractors = {
  services = {
    technique = "T1543.003",
    rows = live_services,
    entries = function(row)
      local out = {}
      local image = exec_of(row.image_path)
      -- svchost is the host, not what the service persists: its DLL is
      if image and not (row.service_dll and paths.basename(image) == "svchost.exe") then
        out[#out + 1] = { binary = image, command = row.image_path, value = "ImagePath" }
      end
      local dll = row.service_dll and paths.normalize(row.service_dll, paths.SYSTEM32)
      if dll then
        out[#out + 1] = { binary = dll, command = row.service_dll,
                          value = row.service_dll_source == "key" and "ServiceDll" or "Parameters\\ServiceDll" }
      end
      return out
    end,
  },
  tasks = {
    technique = "T1053.005",
    entries = function(row)
      local out = {}
      for _, a in ipairs(type(row.actions) == "table" and row.actions or {}) do
        if type(a) == "table" and a.type == "exec" then
          local b = exec_of(a.command)
          if b then out[#out + 1] = { binary = b, command = a.command, value = row.value or "Actions" } end
        end
      end
      return out
    end,
  },
  autoruns = {
    technique = "T1547.001",
    entries = function(row)
      local b = path_of(row.binary) or exec_of(row.command)
      return b and { { binary = b, command = row.command or row.binary, value = row.value } } or {}
    end,
  },
}

-- Any other plugin: row.binary (a path) or row.launches (command lines).
function M.default_entries(row)
  local out = {}
  local b = path_of(row.binary)
  if b then out[#out + 1] = { binary = b, command = row.command or row.binary, value = row.value } end
  local l = row.launches
  if type(l) == "string" then l = { l } end
  for _, c in ipairs(type(l) == "table" and l or {}) do
    local e = exec_of(c)
    if e then out[#out + 1] = { binary = e, command = c, value = row.value } end
  end
  return out
end

-- Folders whose software pairs mechanisms legitimately (see above); a
-- binary there needs a flagged entry. User-writable folders inside Windows
-- are not trusted.
M.vendor_homes = { "c:\\windows", "c:\\program files", "c:\\program files (x86)" }
M.untrusted_inside = {
  "c:\\windows\\temp", "c:\\windows\\tasks", "c:\\windows\\tracing", "c:\\windows\\debug",
  "c:\\windows\\system32\\tasks", "c:\\windows\\syswow64\\tasks", "c:\\windows\\registration\\crmlog",
  "c:\\windows\\system32\\spool\\drivers\\color", "c:\\windows\\system32\\microsoft\\crypto\\rsa\\machinekeys",
}

local function in_vendor_home(b, homes)
  for _, d in ipairs(M.untrusted_inside) do
    if paths.is_under(b, d) then return false end
  end
  for _, d in ipairs(homes) do
    if paths.is_under(b, d) then return true end
  end
  return false
end

-- The user's own profile instead of the placeholder hh.paths uses.
local function for_user(b, user)
  if not user or user == "" then return b end
  local ph = "\\users\\" .. paths.USER
  local at = b:find(ph, 1, true)
  if not at then return b end
  return b:sub(1, at - 1) .. "\\users\\" .. user:lower() .. b:sub(at + #ph)
end

local function lower(s) return type(s) == "string" and s:lower() or "" end

local function build(cfg)
  local p = {
    name = "correlate",
    description = "one binary persisted by several mechanisms, across plugins",
    categories = { "persistence" },
    hives = {},
    extractors = cfg.extractors,
    default_entries = cfg.default_entries,
    vendor_homes = cfg.vendor_homes,
  }

  function p.evaluate(input)
    paths.begin_run()
    local previous = input.previous or {}
    local by_plugin = input.findings or {}
    -- flagged[plugin \0 hive \0 key] = { worst severity, score, rules }
    local flagged = {}
    local names = {}
    for name in pairs(by_plugin) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      for _, f in ipairs(by_plugin[name]) do
        if f.key and policy.RANK[f.severity] and policy.RANK[f.severity] >= policy.RANK.medium then
          local id = name .. "\0" .. lower(f.hive) .. "\0" .. lower(f.key)
          local e = flagged[id] or { rules = {} }
          e.severity = policy.max_severity(e.severity, f.severity)
          e.score = math.max(e.score or 0, tonumber(f.score) or 0)
          e.rules[#e.rules + 1] = f.rule
          flagged[id] = e
        end
      end
    end

    -- First every entry under its binary, as flat (plugin, extractor, row,
    -- entry) runs in row order. Only a binary with two or more entries can
    -- have two mechanisms, so the details (mechanism, duplicates, flags) are
    -- worked out below for those alone: most binaries have one entry.
    local by_binary, order = {}, {}
    local plugins = {}
    for name in pairs(previous) do plugins[#plugins + 1] = name end
    table.sort(plugins)
    for _, name in ipairs(plugins) do
      local rows = previous[name]
      local ex = cfg.extractors[name]
      if type(rows) == "table" then
        if ex and ex.rows then rows = ex.rows(rows) end
        for _, row in ipairs(rows) do
          local list = ex and ex.entries(row) or cfg.default_entries(row)
          for _, e in ipairs(list) do
            local b = for_user(e.binary, row.user)
            local raw = by_binary[b]
            if not raw then
              by_binary[b] = { n = 4, name, ex, row, e }   -- (ex may be nil: n, not #)
            else
              local n = raw.n
              if n == 4 then order[#order + 1] = b end
              raw[n + 1], raw[n + 2], raw[n + 3], raw[n + 4] = name, ex, row, e
              raw.n = n + 4
            end
          end
        end
      end
    end

    -- binary -> { mechanisms = { [id] = true }, nmech, entries = { ... } }:
    -- the entries of a binary that has several, each (plugin, key, value)
    -- once, and the number of distinct mechanisms among them.
    local function slot_of(raw)
      local slot = { mechanisms = {}, nmech = 0, entries = {}, seen = {} }
      for i = 1, raw.n, 4 do
        local name, ex, row, e = raw[i], raw[i + 1], raw[i + 2], raw[i + 3]
        local mech = name .. (row.location and (": " .. tostring(row.location)) or "")
        local seen_id = name .. "\0" .. lower(row.key) .. "\0" .. lower(e.value)
        if not slot.seen[seen_id] then
          slot.seen[seen_id] = true
          if not slot.mechanisms[mech] then
            slot.mechanisms[mech] = true
            slot.nmech = slot.nmech + 1
          end
          local fl = flagged[name .. "\0" .. lower(row.hive) .. "\0" .. lower(row.key)]
          slot.entries[#slot.entries + 1] = {
            plugin = name, mechanism = mech, technique = (ex and ex.technique) or row.technique,
            key = row.key, value = e.value, hive = row.hive, user = row.user,
            command = e.command, last_write = row.last_write, name = row.name,
            flagged_by = fl and fl.rules or nil, severity = fl and fl.severity or nil,
            score = fl and fl.score or nil,
          }
        end
      end
      return slot
    end

    local out = {}
    table.sort(order)
    for _, b in ipairs(order) do
      local slot = slot_of(by_binary[b])
      if slot.nmech >= 2 then
        local worst, top = nil, 0
        for _, e in ipairs(slot.entries) do
          worst = policy.max_severity(worst, e.severity)
          top = math.max(top, e.score or 0)
        end
        if worst or not in_vendor_home(b, cfg.vendor_homes) then
          table.sort(slot.entries, function(x, y)
            if x.plugin ~= y.plugin then return x.plugin < y.plugin end
            if lower(x.key) ~= lower(y.key) then return lower(x.key) < lower(y.key) end
            return lower(x.value) < lower(y.value)
          end)
          local techniques, seen_t, mechs, newest = {}, {}, {}, nil
          for _, e in ipairs(slot.entries) do
            if e.technique and not seen_t[e.technique] then
              seen_t[e.technique] = true
              techniques[#techniques + 1] = e.technique
            end
            mechs[#mechs + 1] = e.mechanism .. " " .. tostring(e.name or e.key or "?")
            if e.last_write and (not newest or e.last_write > newest) then newest = e.last_write end
          end
          local severity = policy.max_severity("high", worst)
          local evidence_entries = {}
          for _, e in ipairs(slot.entries) do
            evidence_entries[#evidence_entries + 1] = {
              plugin = e.plugin, mechanism = e.mechanism, key = e.key, value = e.value, hive = e.hive,
              user = e.user, command = e.command, flagged_by = e.flagged_by,
            }
          end
          out[#out + 1] = {
            rule = "persistence-multiple-mechanisms",
            technique = table.concat(techniques, ";"),
            severity = severity,
            score = math.max(policy.DEFAULT_WEIGHT[severity], top) + slot.nmech - 2,
            service = paths.basename(b),
            binary = b,
            last_write = newest,
            message = ("%s is persisted by %d mechanisms: %s"):format(b, slot.nmech, table.concat(mechs, ", ")),
            evidence = { binary = b, mechanisms = evidence_entries },
          }
        end
      end
    end
    return out
  end

  -- What `hivehunt rules` lists: the one rule, its source this file.
  p.rules = { { id = "persistence-multiple-mechanisms", technique = "mixed", severity = "high",
                weight = policy.DEFAULT_WEIGHT.high, evaluate = p.evaluate,
                message = "one binary persisted by two or more mechanisms" } }

  -- A local correlate.lua extends the shipped one: extractors for more
  -- plugins, other vendor homes.
  function p.extend(spec)
    local ex = {}
    for k, v in pairs(cfg.extractors) do ex[k] = v end
    for k, v in pairs(spec.extractors or {}) do
      if type(v) ~= "table" or type(v.entries) ~= "function" then
        error("correlate.extend: extractors." .. tostring(k) .. " needs an entries(row) function", 2)
      end
      ex[k] = v
    end
    return build {
      extractors = ex,
      default_entries = spec.default_entries or cfg.default_entries,
      vendor_homes = spec.vendor_homes or cfg.vendor_homes,
    }
  end

  return p
end

return build { extractors = M.extractors, default_entries = M.default_entries, vendor_homes = M.vendor_homes }
