-- Baseline rules: differences between the hive's services and a known-good
-- reference (--baseline GOLDEN: a golden SYSTEM hive of the same build, or a
-- saved `hivehunt services --format jsonl` export of one).
--
-- Matching: the current control set of the hive against the current control
-- set of the baseline (the lowest-numbered set where either is unknown),
-- services by name, case-insensitively; per-user service instances
-- ("CDPUserSvc_1a2b3c", whose suffix differs on every machine) by template
-- name and order. Only the current sets are compared:
-- they are what boots; differences that live only in a non-current set are
-- controlset-mismatch's job, and comparing every set would report each change
-- once per set.
--
-- Every comparison is of values, never of LastWrite: an attacker who restores
-- a key's timestamp, or a change that did not move it, is still found. Paths
-- are compared after hh.paths normalisation, so a different spelling of the
-- same file is not a change. Evidence always carries both raw values.
--
-- Each rule's evaluate(input, ctx) returns hits { row=, evidence=, message=,
-- severity= }; the policy turns hits into findings. Without input.baseline
-- every rule here is silent.
local diff = require "hh.diff"

local TECHNIQUE = "T1543.003"

-- The pairing is the same for all eight rules of one run: keep the last one,
-- keyed by the tables it was built from (and their lengths, in case a caller
-- appends rows between runs).
local last = {}

-- Pair the current sets of hive and baseline. Returns nil without a baseline
-- (or with an empty one: see below).
local function compare_sets(input, ctx)
  local baseline = input.baseline
  if type(baseline) ~= "table" or type(baseline.rows) ~= "table" then return nil end
  local rows = input.rows or {}
  if last.rows == rows and last.base_rows == baseline.rows and last.n == #rows
      and last.base_n == #baseline.rows and last.declared == input.current_control_set
      and last.base_declared == baseline.current_control_set and last.source == baseline.source then
    return last.cmp
  end
  local cur = diff.current_set(rows, input.current_control_set)
  local base = diff.current_set(baseline.rows, baseline.current_control_set)
  local new_index, new_names = diff.index_set_matching(rows, cur)
  local old_index, old_names = diff.index_set_matching(baseline.rows, base)
  local cmp
  -- An empty baseline (or a hive without services) would make every service
  -- "added" (or "removed"): that is a broken input, not a finding.
  if #old_names == 0 or #new_names == 0 then
    if ctx and type(ctx.warn_once) == "function" then
      ctx.warn_once("baseline-empty", string.format("%s: baseline rules skipped: %s has no services to compare",
        input.plugin or "services", #old_names == 0 and ("the baseline " .. tostring(baseline.source or "(unnamed)")) or "the hive"))
    end
  else
    cmp = {
      set = cur, baseline_set = base, source = baseline.source,
      new = new_index, new_names = new_names,
      old = old_index, old_names = old_names,
      recovered = diff.index_recovered(rows, cur),
    }
  end
  last = { rows = rows, base_rows = baseline.rows, n = #rows, base_n = #baseline.rows,
           declared = input.current_control_set, base_declared = baseline.current_control_set,
           source = baseline.source, cmp = cmp }
  return cmp
end

-- Evidence common to every baseline hit.
local function base_evidence(cmp, old, new)
  local e = {
    baseline = cmp.source,
    control_set = cmp.set,
    baseline_control_set = cmp.baseline_set,
  }
  if old then e.baseline_last_write = old.last_write end
  if new then e.last_write = new.last_write end
  if old and new and old.last_write and new.last_write then
    -- Worth knowing: a value change under an unchanged timestamp means the
    -- timestamp was restored or the baseline shares this key's history.
    e.last_write_unchanged = old.last_write == new.last_write
  end
  return e
end

-- Call fn(old_row, new_row, name) for every service in both current sets.
local function each_pair(cmp, fn)
  for _, name in ipairs(cmp.new_names) do
    local old = cmp.old[name]
    if old then fn(old, cmp.new[name], name) end
  end
end

local function shown(v)
  if v == nil then return "(absent)" end
  return tostring(v)
end

local rules = {}

rules[#rules + 1] = {
  id = "baseline-added",
  technique = TECHNIQUE,
  severity = "medium",
  weight = 3,
  message = "service not present in the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    for _, name in ipairs(cmp.new_names) do
      if not cmp.old[name] then
        local row = cmp.new[name]
        local e = base_evidence(cmp, nil, row)
        e.image_path, e.service_dll, e.start, e.object_name =
          row.image_path, row.service_dll, row.start, row.object_name
        -- A new service that is disabled cannot run until someone enables it.
        hits[#hits + 1] = {
          row = row, evidence = e,
          severity = row.start == 4 and "low" or nil,
          message = string.format("service not in the baseline (%s): %s",
            diff.start_label(row.start), shown(row.image_path)),
        }
      end
    end
    -- A deleted key recovered from the hive, absent from the baseline: a
    -- service created and removed since (PsExec's PSEXESVC does exactly this).
    local recovered_names = {}
    for name in pairs(cmp.recovered) do
      if not cmp.old[name] and not cmp.new[name] then recovered_names[#recovered_names + 1] = name end
    end
    table.sort(recovered_names)
    for _, name in ipairs(recovered_names) do
      local row = cmp.recovered[name]
      local e = base_evidence(cmp, nil, row)
      e.recovered = true
      e.image_path = row.image_path
      hits[#hits + 1] = {
        row = row, evidence = e,
        message = "deleted service key (recovered) that is not in the baseline: " .. shown(row.image_path),
      }
    end
    return hits
  end,
}

rules[#rules + 1] = {
  id = "baseline-removed",
  technique = TECHNIQUE,
  severity = "low",
  weight = 1,
  message = "baseline service missing from the hive",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    for _, name in ipairs(cmp.old_names) do
      if not cmp.new[name] then
        local row = cmp.old[name]
        local e = base_evidence(cmp, row, nil)
        e.removed = true
        e.image_path, e.start = row.image_path, row.start
        local security = diff.is_security_service(row, ctx)
        e.security_service = security or nil
        hits[#hits + 1] = {
          row = row, evidence = e,
          -- Deleting a security product's service is defence evasion.
          severity = security and "medium" or nil,
          message = security and "security service in the baseline is missing from the hive"
            or "service in the baseline is missing from the hive",
        }
      end
    end
    return hits
  end,
}

rules[#rules + 1] = {
  id = "baseline-imagepath-changed",
  technique = TECHNIQUE,
  severity = "high",
  weight = 8,
  message = "ImagePath differs from the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    each_pair(cmp, function(old, new)
      local d = diff.command_difference(old.image_path, new.image_path)
      if not d then return end
      local e = base_evidence(cmp, old, new)
      e.old, e.new = old.image_path, new.image_path
      e.old_binary, e.new_binary = d.old_binary, d.new_binary
      e.binary_changed, e.arguments_changed = d.binary, d.args
      local what = d.binary and "ImagePath binary changed" or "ImagePath arguments changed"
      hits[#hits + 1] = {
        row = new, evidence = e,
        -- Same binary, other arguments (a svchost group, a flag): weaker.
        severity = (not d.binary) and "medium" or nil,
        message = string.format("%s from the baseline: %s -> %s", what, shown(old.image_path), shown(new.image_path)),
      }
    end)
    return hits
  end,
}

rules[#rules + 1] = {
  id = "baseline-servicedll-changed",
  technique = TECHNIQUE,
  severity = "high",
  weight = 8,
  message = "ServiceDll differs from the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    each_pair(cmp, function(old, new)
      local d = diff.path_difference(old.service_dll, new.service_dll)
      if not d then return end
      local e = base_evidence(cmp, old, new)
      e.old, e.new = old.service_dll, new.service_dll
      e.old_normalized, e.new_normalized = d.old_normalized, d.new_normalized
      e.old_source, e.new_source = old.service_dll_source, new.service_dll_source
      -- The swap touches only the Parameters key, so its time is the one to read.
      e.parameters_last_write = new.parameters_last_write
      e.baseline_parameters_last_write = old.parameters_last_write
      hits[#hits + 1] = {
        row = new, evidence = e,
        -- A ServiceDll that disappeared runs nothing by itself.
        severity = d.removed and "medium" or nil,
        message = string.format("ServiceDll changed from the baseline: %s -> %s",
          shown(old.service_dll), shown(new.service_dll)),
      }
    end)
    return hits
  end,
}

rules[#rules + 1] = {
  id = "baseline-start-changed",
  technique = TECHNIQUE,
  severity = "medium",
  weight = 5,
  message = "Start differs from the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    each_pair(cmp, function(old, new)
      if old.start == new.start then return end
      local kind, severity, phrase = diff.start_change(old.start, new.start, new, ctx)
      local e = base_evidence(cmp, old, new)
      e.old, e.new = old.start, new.start
      e.old_name, e.new_name = diff.start_names[old.start], diff.start_names[new.start]
      e.direction = kind
      hits[#hits + 1] = {
        row = new, evidence = e, severity = severity,
        message = phrase .. " (baseline)",
      }
    end)
    return hits
  end,
}

rules[#rules + 1] = {
  id = "baseline-objectname-changed",
  technique = TECHNIQUE,
  severity = "medium",
  weight = 5,
  message = "ObjectName (run-as account) differs from the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    each_pair(cmp, function(old, new)
      if diff.same_account(old.object_name, new.object_name) then return end
      local e = base_evidence(cmp, old, new)
      e.old, e.new = old.object_name, new.object_name
      hits[#hits + 1] = {
        row = new, evidence = e,
        message = string.format("run-as account changed from the baseline: %s -> %s",
          shown(old.object_name), shown(new.object_name)),
      }
    end)
    return hits
  end,
}

rules[#rules + 1] = {
  id = "baseline-type-changed",
  technique = TECHNIQUE,
  severity = "medium",
  weight = 4,
  message = "Type differs from the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    each_pair(cmp, function(old, new)
      if old.type == new.type then return end
      local e = base_evidence(cmp, old, new)
      e.old, e.new = old.type, new.type
      e.old_name, e.new_name = old.type_name, new.type_name
      local function label(v, name)
        if v == nil then return "(absent)" end
        return string.format("0x%x", v) .. (name and (" (" .. name .. ")") or "")
      end
      hits[#hits + 1] = {
        row = new, evidence = e,
        message = string.format("Type changed from the baseline: %s -> %s",
          label(old.type, old.type_name), label(new.type, new.type_name)),
      }
    end)
    return hits
  end,
}

-- Values whose change matters more than a description's: a recovery program
-- runs code, privileges widen what the service may do.
local value_severity = {
  failurecommand = "medium",
  requiredprivileges = "medium",
}

-- Values holding a command line, compared as commands (spelling aside).
local command_values = { failurecommand = true }

-- Same type and data, compared raw (the common case, no allocation).
local function same_raw(a, b)
  if type(a) ~= "table" or type(b) ~= "table" or a.type ~= b.type then return false end
  local x, y = a.data, b.data
  if x == y then return true end
  if type(x) ~= "table" or type(y) ~= "table" or #x ~= #y then return false end
  for i = 1, #x do
    if x[i] ~= y[i] then return false end
  end
  return true
end

-- Whether two value maps hold the same names (same spelling) and data.
local function identical_values(ov, nv)
  for name, v in pairs(nv) do
    if not same_raw(ov[name], v) then return false end
  end
  for name in pairs(ov) do
    if nv[name] == nil then return false end
  end
  return true
end

local function values_by_lower_name(values)
  local map, names = {}, {}
  for name, v in pairs(values) do
    if type(name) == "string" then
      local key = name:lower()
      if not map[key] then names[#names + 1] = key end
      map[key] = { name = name, value = v }
    end
  end
  return map, names
end

local function same_value(key, a, b)
  if command_values[key] and type(a.data) == "string" and type(b.data) == "string" then
    return diff.command_difference(a.data, b.data) == nil
  end
  return diff.value_key(a) == diff.value_key(b)
end

rules[#rules + 1] = {
  id = "baseline-value-changed",
  technique = TECHNIQUE,
  severity = "low",
  weight = 2,
  message = "a service value was added, changed or removed since the baseline",
  evaluate = function(input, ctx)
    local cmp = compare_sets(input, ctx)
    if not cmp then return {} end
    local hits = {}
    each_pair(cmp, function(old, new)
      -- A baseline saved without the value map says nothing about values.
      if type(old.values) ~= "table" or type(new.values) ~= "table" then return end
      -- Only a service whose values differ pays for the full comparison.
      if identical_values(old.values, new.values) then return end
      local om, onames = values_by_lower_name(old.values)
      local nm, nnames = values_by_lower_name(new.values)
      local all, seen = {}, {}
      for _, list in ipairs { onames, nnames } do
        for _, k in ipairs(list) do
          if not seen[k] then seen[k] = true; all[#all + 1] = k end
        end
      end
      table.sort(all)
      for _, key in ipairs(all) do
        if not diff.dedicated_values[key] then
          local a, b = om[key], nm[key]
          local change
          if a and not b then change = "removed"
          elseif b and not a then change = "added"
          elseif not same_value(key, a.value, b.value) then change = "changed" end
          if change then
            local name = (b or a).name
            local e = base_evidence(cmp, old, new)
            e.value, e.change = name, change
            e.old = a and { type = a.value.type, data = a.value.data } or nil
            e.new = b and { type = b.value.type, data = b.value.data } or nil
            local function render(x)
              if not x then return "(absent)" end
              local d = x.value.data
              if type(d) == "table" then
                local parts = {}
                for i, item in ipairs(d) do parts[i] = tostring(item) end
                d = table.concat(parts, "|")
              end
              return tostring(d)
            end
            hits[#hits + 1] = {
              row = new, evidence = e,
              severity = value_severity[key],
              message = string.format("value %s %s since the baseline: %s -> %s",
                name, change, render(a), render(b)),
            }
          end
        end
      end
    end)
    return hits
  end,
}

return rules
