-- controlset-mismatch: a service that differs between the hive's control
-- sets. Windows copies the current set to the LastKnownGood set after a good
-- boot (XP and earlier) or keeps an older copy (later versions), so the sets
-- normally agree; a change made after the copy shows up in one set only. The
-- current set is the reference (the lowest-numbered set when Select is
-- unknown); every other set is compared with it.
--
-- Differences reported, one hit per service per kind:
--   presence     the service exists in some sets only. Hit on the current
--                set's row, or on the lowest set that has it when the current
--                set lacks it. low: usually software or a driver installed
--                (or removed) since the copy; medium for an automatically
--                started Win32 service that only the current set has (the
--                shape of a freshly installed persistence service) and for a
--                security product missing from the current set;
--   Start        medium when the current set starts it at boot and another
--                set does not, high when the current set disables a security
--                product, low otherwise;
--   Type         medium;
--   ImagePath    medium (binary differs, compared normalised), low when only
--                the arguments differ;
--   ServiceDll   medium (compared normalised);
--   ObjectName   medium.
-- Evidence names the sets and their raw values.
local diff = require "hh.diff"

local FIELDS = {
  { field = "start", label = "Start" },
  { field = "type", label = "Type" },
  { field = "image_path", label = "ImagePath" },
  { field = "service_dll", label = "ServiceDll" },
  { field = "object_name", label = "ObjectName" },
}

-- Returns nil when equal, else severity for this difference seen from the
-- reference row (ref) against another set's row (other).
local function compare(field, ref, other, ctx)
  local a, b = ref[field], other[field]
  if field == "start" then
    if a == b then return nil end
    local kind = diff.start_change(b, a, ref, ctx)
    if kind == "to-autostart" then return "medium" end
    if kind == "disabled-security" then return "high" end
    return "low"
  elseif field == "type" then
    if a == b then return nil end
    return "medium"
  elseif field == "image_path" then
    local d = diff.command_difference(b, a)
    if not d then return nil end
    return d.binary and "medium" or "low"
  elseif field == "service_dll" then
    if not diff.path_difference(b, a) then return nil end
    return "medium"
  elseif field == "object_name" then
    if diff.same_account(a, b) then return nil end
    return "medium"
  end
end

local severity_rank = { info = 0, low = 1, medium = 2, high = 3, critical = 4 }

local function shown(v)
  if v == nil then return "(absent)" end
  if math.type(v) == "integer" then return tostring(v) end
  return "'" .. tostring(v) .. "'"
end

-- Roles of each set from input.select (current, default, last_known_good, failed).
local function set_roles(input, sets)
  local roles = {}
  local select = input.select
  if type(select) ~= "table" then return roles end
  for _, set in ipairs(sets) do
    local n = diff.set_number(set)
    local list = {}
    for _, role in ipairs { "current", "default", "last_known_good", "failed" } do
      if n and select[role] == n then list[#list + 1] = role end
    end
    if #list > 0 then roles[set] = table.concat(list, ",") end
  end
  return roles
end

-- Whether two rows hold the very same values in every compared field:
-- compare() finds no difference between such rows, so the common case (a
-- service the sets agree on) skips it.
local function identical(a, b)
  return a.start == b.start and a.type == b.type and a.image_path == b.image_path
    and a.service_dll == b.service_dll and a.object_name == b.object_name
end

local function is_win32_autostart(row)
  return type(row.type) == "number" and row.type & 0x30 ~= 0
    and type(row.start) == "number" and row.start <= 2
end

local rule = {
  id = "controlset-mismatch",
  technique = "T1543.003",
  severity = "medium",
  weight = 4,
  message = "service differs between control sets",
  evaluate = function(input, ctx)
    -- Only sets that hold rows: a declared set whose Services could not be
    -- read would otherwise make every service look absent from it (the host
    -- warns about unreadable keys; this rule compares what was read).
    local sets = diff.sets(input.rows)
    if #sets < 2 then return {} end
    local cur = diff.current_set(input.rows, input.current_control_set)
    local roles = set_roles(input, sets)
    -- Each set's live rows by lowercased name (what diff.index_set gives,
    -- the first row of a name winning), all sets in one pass over the rows,
    -- and every name any set holds, sorted.
    local index, all, seen = {}, {}, {}
    for _, set in ipairs(sets) do index[set] = {} end
    local rows = input.rows or {}
    for i = 1, #rows do
      local row = rows[i]
      local idx = index[row.control_set]
      if idx and not row.recovered and type(row.name) == "string" then
        local key = row.name:lower()
        if not idx[key] then idx[key] = row end
        if not seen[key] then seen[key] = true; all[#all + 1] = key end
      end
    end
    table.sort(all)

    -- Order: the current set first, then the others by number.
    local ordered = { cur }
    for _, set in ipairs(sets) do if set ~= cur then ordered[#ordered + 1] = set end end

    local hits = {}
    local NONE = {}
    for n = 1, #all do
      local name = all[n]
      -- the usual case, a service every set holds, needs no lists of its own
      local present, absent = ordered, NONE
      for i = 1, #ordered do
        local set = ordered[i]
        if not (index[set] and index[set][name]) then present = nil; break end
      end
      if not present then
        present, absent = {}, {}
        for _, set in ipairs(ordered) do
          if index[set] and index[set][name] then present[#present + 1] = set
          else absent[#absent + 1] = set end
        end
      end
      local ref_set = present[1]
      local ref = index[ref_set][name]

      if #absent > 0 then
        local in_current = ref_set == cur
        local severity = "low"
        if in_current and #present == 1 and is_win32_autostart(ref) then severity = "medium" end
        -- A security product's service gone from the set that boots: removed
        -- since the copy, which is defence evasion until shown otherwise.
        if not in_current and diff.is_security_service(ref, ctx) then severity = "medium" end
        local e = {
          difference = "presence",
          present_in = present, absent_from = absent,
          set = ref_set, set_role = roles[ref_set],
          roles = next(roles) and roles or nil,
          last_write = ref.last_write,
        }
        local message
        if in_current then
          message = string.format("present in %s (current) but not in %s", cur, table.concat(absent, ", "))
        else
          message = string.format("absent from the current set %s; present in %s", cur, table.concat(present, ", "))
        end
        hits[#hits + 1] = { row = ref, evidence = e, severity = severity, message = message }
      end

      local agree = true
      for i = 2, #present do
        if not identical(ref, index[present[i]][name]) then agree = false; break end
      end
      if not agree then
        for _, f in ipairs(FIELDS) do
          local others, worst = {}, nil
          for i = 2, #present do
            local other = index[present[i]][name]
            local severity = compare(f.field, ref, other, ctx)
            if severity then
              others[#others + 1] = { set = present[i], value = other[f.field], role = roles[present[i]] }
              if not worst or severity_rank[severity] > severity_rank[worst] then worst = severity end
            end
          end
          if #others > 0 then
            local e = {
              difference = f.label,
              set = ref_set, value = ref[f.field], set_role = roles[ref_set],
              other_set = others[1].set, other_value = others[1].value, other_role = others[1].role,
              others = #others > 1 and others or nil,
            }
            if f.field == "service_dll" then
              e.parameters_last_write = ref.parameters_last_write
              e.other_parameters_last_write = index[others[1].set][name].parameters_last_write
            end
            local parts = {}
            for _, o in ipairs(others) do parts[#parts + 1] = o.set .. " " .. shown(o.value) end
            hits[#hits + 1] = {
              row = ref, evidence = e, severity = worst,
              message = string.format("%s differs between control sets: %s %s vs %s",
                f.label, ref_set, shown(ref[f.field]), table.concat(parts, ", ")),
            }
          end
        end
      end
    end
    return hits
  end,
}

return { rule }
