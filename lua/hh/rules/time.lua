-- Timestamp hunts over service key LastWrite times.
--
-- Both rules look at the current control set only (the lowest-numbered set
-- when Select is unknown). The other sets are copies: when Windows made the
-- copy inside the window every key of that set would be "in the window" and
-- drown the report, and their keys would count twice in the clusters. A change
-- that landed only in another set is controlset-mismatch's finding.
--
-- A row's time is the later of its service key's LastWrite and its
-- Parameters key's: swapping a ServiceDll rewrites only the Parameters key.
local time = require "hh.time"
local diff = require "hh.diff"
local inbox = require "hh.inbox"

local TECHNIQUE = "T1543.003"
local DAY = time.SECONDS_PER_DAY

-- The row's latest write: epoch, which ("key" or "parameters").
local function touched(row)
  local k, p = row.last_write_epoch, row.parameters_last_write_epoch
  if k and p then
    if p > k then return p, "parameters" end
    return k, "key"
  end
  if k then return k, "key" end
  if p then return p, "parameters" end
  return nil
end

local function current_rows(input)
  local cur = diff.current_set(input.rows, input.current_control_set)
  local out = {}
  local rows = input.rows or {}
  for i = 1, #rows do
    local row = rows[i]
    if row.control_set == cur and not row.recovered then out[#out + 1] = row end
  end
  return out, cur
end

-- A window bound: epoch seconds, or an ISO 8601 string (parsed here so a
-- caller that passes the option through unconverted still gets its window).
local function window_bound(v, name)
  if v == nil or type(v) == "number" then return v end
  local t, err = time.parse(v)
  if not t then error("lastwrite-in-window: --" .. name .. ": " .. err, 0) end
  return t
end

--------------------------------------------------------------------------
-- lastwrite-in-window: the analyst knows the intrusion window (--since,
-- --until; either may be open). Every current-set service whose key or
-- Parameters key was written inside it, plus recovered (deleted) service
-- keys from any set written inside it: a key created and deleted during the
-- intrusion is exactly what the window is for.
local in_window = {
  id = "lastwrite-in-window",
  technique = TECHNIQUE,
  severity = "low",
  weight = 2,
  fact = "write time",
  message = "service key written inside the given time window",
  evaluate = function(input, ctx)
    local since, till = window_bound(input.since, "since"), window_bound(input["until"], "until")
    if since == nil and till == nil then return {} end
    local function inside(t)
      return t ~= nil and (since == nil or t >= since) and (till == nil or t <= till)
    end
    local candidates = current_rows(input)
    for _, row in ipairs(input.rows or {}) do
      if row.recovered then candidates[#candidates + 1] = row end
    end
    local hits = {}
    for _, row in ipairs(candidates) do
      local key_in = inside(row.last_write_epoch)
      local params_in = inside(row.parameters_last_write_epoch)
      if key_in or params_in then
        local which = (key_in and params_in) and "key and Parameters" or (key_in and "key" or "Parameters key")
        local when = key_in and row.last_write_epoch or row.parameters_last_write_epoch
        -- the finding's time is the latest write inside the window
        local params = params_in and (not key_in or row.parameters_last_write_epoch > row.last_write_epoch)
        hits[#hits + 1] = {
          row = row,
          datetime = params and row.parameters_last_write or row.last_write,
          timestamp_desc = params and "Service Parameters key LastWrite" or "Service key LastWrite",
          evidence = {
            since = since and time.format(since), ["until"] = till and time.format(till),
            last_write = row.last_write, parameters_last_write = row.parameters_last_write,
            written = which, recovered = row.recovered or nil,
          },
          message = string.format("%s%s written %s, inside the window",
            row.recovered and "deleted service's " or "", which, time.format(when)),
        }
      end
    end
    table.sort(hits, function(a, b)
      local ta, tb = touched(a.row) or 0, touched(b.row) or 0
      if ta ~= tb then return ta > tb end
      return tostring(a.row.name) < tostring(b.row.name)
    end)
    return hits
  end,
}

--------------------------------------------------------------------------
-- lastwrite-cluster: with no window given, look for bursts.
--
-- On a healthy hive nearly every service key was last written at install
-- time or on a patch or software-install day: a few large batches. An
-- attacker installing or repointing services writes a handful of keys within
-- minutes on a day when nothing else happened. The method:
--
--  1. Take each current-set row's time (above); sort. With fewer than
--     min_keys times there is no "normal" to compare with: stop.
--  2. Group: a key joins the previous key's group when it was written at most
--     `window` seconds after it (single linkage, so a batch spread over hours
--     with no long pause stays one group).
--  3. Bulk: a group is part of the bulk when at least bulk_min_size keys were
--     written within bulk_radius of it (install days and patch days, even
--     when a pause split them into several groups); when it holds a
--     servicing key, or lies within bulk_radius of a group that does (Windows
--     servicing, the engine behind every update, rewrites the TrustedInstaller
--     service key on each run, so a batch that includes it is a patch batch
--     however small the hive); and the largest groups are bulk until they
--     hold bulk_cover of all keys (so a small hive still has a bulk). An
--     attacker who also touches TrustedInstaller hides a burst from this rule
--     (not from the baseline rules); --arg services.cluster_servicing=0 turns
--     the servicing test off.
--  4. Burst: a group that is not bulk, has at least min_size keys and at most
--     max_share of all keys, and is more than far_days from every bulk key.
--  5. What each burst is. Time says when, not what: Windows servicing (a
--     cumulative update, a driver update) rewrites its own service keys in
--     one go, days or months after the install, exactly as a script would.
--     So every member is judged (hh.inbox and the other rules):
--       lead     the member is a newly created service (in no other control
--                set, or absent from the --baseline), another rule flags it,
--                or a file it names is outside the system directories;
--       inbox    one of Windows' own services: a Windows name, binaries in
--                system directories, a svchost group Windows ships, a
--                built-in account.
--     A burst with a lead is an intrusion lead; a burst of inbox members
--     only, written within servicing_span seconds, is servicing; any other
--     burst is unexplained.
--  6. Severity of each member (the cluster alone never makes high: a
--     finding reaches high only when other, independent facts on the same
--     service add up to it in the score):
--       medium  a lead member; every member of an unexplained burst;
--       low     the other members of a lead burst (written with it);
--               servicing members (weight 0: context, not evidence);
--               every member of an unexplained burst when the hive has
--               more than routine_max bursts that are not servicing
--               (isolated batches are then this machine's routine:
--               software installs, out-of-band updates); every member of
--               a burst older than every bulk group (before the install:
--               keys that came with the image the machine was built from,
--               seen on the corpus's Win7 hive: Virtual PC keys from 2001
--               on a 2009 install), even a lead; such a burst does not
--               count towards routine_max either.
--     Each finding's evidence says which reading applies (burst_kind,
--     burst_reading, burst_leads, and the member's own leads).
-- A patch day does not reach medium: its keys are bulk (many keys that day,
-- or the TrustedInstaller key among them), or, when it is small and lacks
-- TrustedInstaller, a burst of inbox keys within seconds: servicing.
--
-- Knobs live in `knobs` below (also reachable as require("hh.rules.time").knobs,
-- for a policy or script that wants other defaults) and each can be
-- overridden per run with
-- --arg services.cluster_<knob>=<number>, e.g. services.cluster_window=1800.
local knobs = {
  window = 3600,          -- seconds between consecutive writes of one group
  min_size = 3,           -- smallest group reported as a burst
  far_days = 3,           -- a burst is further than this from every bulk key
  bulk_min_size = 30,     -- keys within bulk_radius that make a group bulk
  bulk_radius = DAY,      -- seconds either side of a group counted for bulk_min_size
  bulk_cover = 0.5,       -- largest groups are bulk until they hold this share of keys
  max_share = 0.25,       -- a burst holds at most this share of all keys
  servicing = 1,          -- 1: groups with a servicing key (below) are bulk; 0: off
  min_keys = 20,          -- fewer times than this: no baseline of normal, no bursts
  routine_max = 3,        -- more bursts (not servicing) than this: unexplained ones are low
  servicing_span = 300,   -- inbox keys written within this many seconds are servicing
}

-- Service keys that Windows servicing (updates) rewrites on each run.
local servicing_services = { trustedinstaller = true }

local function effective_knobs(input, defaults)
  local k = {}
  for name, v in pairs(defaults) do k[name] = v end
  local args = input.args
  if type(args) ~= "table" then return k end
  for name in pairs(defaults) do
    local raw = args["cluster_" .. name]
    if raw ~= nil then
      local v = tonumber(raw)
      if not v or v < 0 or v ~= v then
        error(string.format("%s.cluster_%s: expected a non-negative number, got '%s'",
          input.plugin or "services", name, tostring(raw)), 0)
      end
      k[name] = v
    end
  end
  return k
end

-- Index of the first element of sorted array t with t[i] >= x.
local function lower_bound(t, x)
  local lo, hi = 1, #t + 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if t[mid] < x then lo = mid + 1 else hi = mid end
  end
  return lo
end

local function by_time_then_key(a, b)
  if a.t ~= b.t then return a.t < b.t end
  return a.key < b.key
end

-- Order the points of one time by name: plain strings sort inside
-- table.sort's C code too. Two points of one name (a malformed input) fall
-- back to the comparator.
local function sort_by_key(list)
  local keys, by_key = {}, {}
  for i, p in ipairs(list) do
    if by_key[p.key] then
      table.sort(list, by_time_then_key)
      return
    end
    by_key[p.key] = p
    keys[i] = p.key
  end
  table.sort(keys)
  for i, k in ipairs(keys) do list[i] = by_key[k] end
end

-- Sort points by time, then lowercased name. Plain numbers sort inside
-- table.sort's C code; a Lua comparator call per comparison costs more than
-- the rest of the rule. So: sort the distinct times, then order each time's
-- points by name (an install writes many keys in one second). A time that
-- cannot be a table key (NaN) falls back to the comparator.
local function sort_points(points)
  local at, times = {}, {}
  for _, p in ipairs(points) do
    local t = p.t
    if t ~= t then
      table.sort(points, by_time_then_key)
      return
    end
    local list = at[t]
    if list then
      list[#list + 1] = p
    else
      at[t] = { p }
      times[#times + 1] = t
    end
  end
  table.sort(times)
  local i = 0
  for _, t in ipairs(times) do
    local list = at[t]
    if #list > 1 then sort_by_key(list) end
    for _, p in ipairs(list) do
      i = i + 1
      points[i] = p
    end
  end
end

-- Exposed for tests and for analysts' scripts: returns the list of groups
-- ({first=, last=, size=, members={{t=,row=,which=}...}, bulk=bool,
-- neighbourhood=keys within bulk_radius, servicing=bool, burst=bool, distance=seconds to the
-- nearest bulk group, nearest_bulk=that group, before_bulk=bool, kind="servicing"|"lead"|
-- "unexplained", leads=names of lead members}; each burst member also gets inbox=bool,
-- leads={reasons}, severity= and weight=), the number of times considered and the
-- number of unexplained or lead bursts after the install. judge(row) -> inbox (bool),
-- leads (array of reasons or nil) is step 5's test; without it no member is inbox or
-- a lead.
local function find_bursts(rows, k, judge)
  local points = {}
  for i = 1, #rows do
    local row = rows[i]
    local t, which = touched(row)
    if t then points[#points + 1] = { t = t, row = row, which = which, key = tostring(row.name):lower() } end
  end
  local n = #points
  if n < k.min_keys then return {}, n, 0 end
  sort_points(points)
  local times = {}
  for i, p in ipairs(points) do times[i] = p.t end

  local groups = {}
  local g
  for i, p in ipairs(points) do
    if g and p.t - points[i - 1].t <= k.window then
      g.members[#g.members + 1] = p
      g.last = p.t
    else
      g = { first = p.t, last = p.t, members = { p } }
      groups[#groups + 1] = g
    end
  end
  for _, grp in ipairs(groups) do
    grp.size = #grp.members
    local lo = lower_bound(times, grp.first - k.bulk_radius)
    local hi = lower_bound(times, grp.last + k.bulk_radius + 1e-9) - 1
    grp.neighbourhood = hi - lo + 1
    grp.bulk = grp.neighbourhood >= k.bulk_min_size
    if k.servicing ~= 0 then
      for _, m in ipairs(grp.members) do
        if servicing_services[m.key] and type(m.row.name) == "string" then
          grp.servicing = true
          break
        end
      end
    end
  end
  -- A servicing run and whatever else was written around it.
  for _, sv in ipairs(groups) do
    if sv.servicing then
      for _, grp in ipairs(groups) do
        if grp.first <= sv.last + k.bulk_radius and grp.last >= sv.first - k.bulk_radius then
          grp.bulk = true
        end
      end
    end
  end
  local by_size = {}
  for i, grp in ipairs(groups) do by_size[i] = grp end
  table.sort(by_size, function(a, b)
    if a.size ~= b.size then return a.size > b.size end
    return a.first < b.first
  end)
  local covered = 0
  for _, grp in ipairs(by_size) do
    if covered >= k.bulk_cover * n then break end
    grp.bulk = true
    covered = covered + grp.size
  end

  -- Distance from each group to the nearest bulk group (interval gap).
  local bulk = {}
  for _, grp in ipairs(groups) do if grp.bulk then bulk[#bulk + 1] = grp end end
  local bursts = {}
  for _, grp in ipairs(groups) do
    if not grp.bulk and grp.size >= k.min_size and grp.size <= k.max_share * n then
      local d, nearest = math.huge, nil
      for _, b in ipairs(bulk) do
        local gap
        if b.last < grp.first then gap = grp.first - b.last
        elseif b.first > grp.last then gap = b.first - grp.last
        else gap = 0 end
        if gap < d then d, nearest = gap, b end
      end
      grp.distance, grp.nearest_bulk = d, nearest
      if d > k.far_days * DAY then
        grp.burst = true
        grp.drivers_only = true
        for _, m in ipairs(grp.members) do
          if not diff.is_driver(m.row) then grp.drivers_only = false; break end
        end
        bursts[#bursts + 1] = grp
      end
    end
  end
  -- What each burst is (step 5).
  for _, grp in ipairs(bursts) do
    local all_inbox, leads = true, {}
    for _, m in ipairs(grp.members) do
      local ok, why
      if judge then ok, why = judge(m.row) end
      m.inbox = ok == true
      m.leads = why and #why > 0 and why or nil
      if m.leads then leads[#leads + 1] = m.row.name end
      if not m.inbox then all_inbox = false end
    end
    grp.leads = leads
    if #leads > 0 then
      grp.kind = "lead"
    elseif all_inbox and grp.last - grp.first <= k.servicing_span then
      grp.kind = "servicing"
    else
      grp.kind = "unexplained"
    end
  end
  -- Groups older than every bulk group predate the install: keys carried
  -- over from the image or template the machine was built from (a forged
  -- timestamp that old would stand out, not hide). Low, and not counted
  -- towards routine.
  local first_bulk = bulk[1] and bulk[1].first or math.huge
  local counted = 0
  for _, grp in ipairs(bursts) do
    grp.before_bulk = grp.last < first_bulk
    if not grp.before_bulk and grp.kind ~= "servicing" then counted = counted + 1 end
  end
  for _, grp in ipairs(bursts) do
    for _, m in ipairs(grp.members) do
      local sev, w = "medium", nil
      if grp.before_bulk then
        sev = "low"
      elseif grp.kind == "servicing" then
        sev, w = "low", 0
      elseif grp.kind == "lead" then
        if not m.leads then sev = "low" end
      elseif counted > k.routine_max then
        sev = "low"
      end
      m.severity, m.weight = sev, w
    end
    -- the burst's own severity: its worst member's
    grp.severity = "low"
    for _, m in ipairs(grp.members) do
      if m.severity == "medium" then grp.severity = "medium" end
    end
  end
  return groups, n, counted
end

-- Step 5's test for one run: judge(row) -> inbox, leads. Lead reasons: a
-- service in no other control set of the hive (when it has others) or
-- absent from the baseline's current set, another rule's findings on the
-- row (rules that ran before this one: every per-row rule, the baseline and
-- control-set diffs), a file outside the system directories.
local function member_judge(input, ctx)
  local others = {}   -- lowercase names present in each other live set
  local cur = diff.current_set(input.rows, input.current_control_set)
  local rows = input.rows or {}
  for i = 1, #rows do
    local row = rows[i]
    if not row.recovered and row.control_set ~= cur and type(row.name) == "string" then
      local set = others[row.control_set]
      if not set then
        set = {}
        others[row.control_set] = set
      end
      set[row.name:lower()] = true
    end
  end
  local other_names = {}
  for name in pairs(others) do other_names[#other_names + 1] = name end
  table.sort(other_names)
  local base
  local bl = input.baseline
  if type(bl) == "table" and type(bl.rows) == "table" and #bl.rows > 0 then
    local bset = diff.current_set(bl.rows, bl.current_control_set)
    base = {}
    for _, row in ipairs(bl.rows) do
      if row.control_set == bset and not row.recovered and type(row.name) == "string" then
        base[row.name:lower()] = true
      end
    end
  end
  return function(row)
    local facts = ctx.facts and ctx.facts(row) or nil
    local leads = {}
    local name = type(row.name) == "string" and row.name:lower() or nil
    if name and #other_names > 0 then
      local anywhere = false
      for _, set in pairs(others) do
        if set[name] then anywhere = true; break end
      end
      if not anywhere then
        leads[#leads + 1] = "new: in no other control set (" .. table.concat(other_names, ", ") .. ")"
      end
    end
    if name and base and not base[name] then
      leads[#leads + 1] = "new: absent from the baseline"
    end
    if ctx.flagged then
      local ids = {}
      for _, id in ipairs(ctx.flagged(row)) do
        if id ~= "lastwrite-cluster" and id ~= "lastwrite-in-window" then ids[#ids + 1] = id end
      end
      if #ids > 0 then leads[#leads + 1] = "flagged by " .. table.concat(ids, ", ") end
    end
    local outside = inbox.outside_file(row, facts)
    if outside then leads[#leads + 1] = "file outside the system directories: " .. outside end
    local ok = inbox.judge(row, facts)
    return ok, leads
  end
end

local KIND_TEXT = {
  servicing = "Windows servicing: Windows' own services, rewritten within seconds",
  lead = "an intrusion lead: it holds a new, flagged or non-system service",
  unexplained = "unexplained: neither servicing nor an intrusion lead",
}

local cluster = {
  id = "lastwrite-cluster",
  technique = TECHNIQUE,
  severity = "medium",
  weight = 3,
  fact = "write time",
  message = "service key written in a burst far from the hive's install and patch activity",
  evaluate = function(input, ctx)
    -- An analyst who gave a window is reading lastwrite-in-window instead.
    if input.since ~= nil or input["until"] ~= nil then return {} end
    ctx = ctx or {}
    local k = effective_knobs(input, knobs)
    local rows = current_rows(input)
    local groups, n, nbursts = find_bursts(rows, k, member_judge(input, ctx))
    local hits = {}
    for _, grp in ipairs(groups) do
      if grp.burst then
        local names = {}
        for i, m in ipairs(grp.members) do names[i] = m.row.name end
        local span = grp.last - grp.first
        local lead_names = #grp.leads > 0 and grp.leads or nil
        -- what every member's finding says about the burst, worked out once
        local first, last = time.format(grp.first), time.format(grp.last)
        local bulk_days = math.floor(grp.distance / DAY * 10 + 0.5) / 10
        local bulk_first = time.format(grp.nearest_bulk.first)
        local message_head = string.format("one of %d service keys written %s on %s, %s %s the hive's bulk of writes",
          grp.size, span == 0 and "in the same second" or ("within " .. time.duration(span)),
          time.format_date(grp.first), time.duration(grp.distance),
          grp.before_bulk and "before" or "from")
        for _, m in ipairs(grp.members) do
          local note
          if grp.before_bulk then
            note = " (older than the install: image or template keys?)"
          elseif grp.kind == "servicing" then
            note = ": Windows servicing (Windows' own services, system binaries)"
          elseif grp.kind == "lead" then
            note = m.leads and ("; this one is a lead: " .. table.concat(m.leads, "; "))
              or ("; written with " .. table.concat(grp.leads, ", "))
          elseif nbursts > k.routine_max then
            note = string.format(" (one of %d such bursts)", nbursts)
          elseif grp.drivers_only then
            note = " (driver keys only: a device install?)"
          else
            note = ""
          end
          local params = m.which == "parameters"
          hits[#hits + 1] = {
            row = m.row,
            severity = m.severity,
            weight = m.weight,
            -- the write that put the key in the burst
            datetime = params and m.row.parameters_last_write or m.row.last_write,
            timestamp_desc = params and "Service Parameters key LastWrite" or "Service key LastWrite",
            evidence = {
              burst_first = first, burst_last = last,
              burst_size = grp.size, burst_span_seconds = span,
              burst_members = names,
              burst_kind = grp.kind, burst_reading = KIND_TEXT[grp.kind],
              burst_leads = lead_names,
              leads = m.leads, windows_service = m.inbox,
              nearest_bulk_days = bulk_days,
              nearest_bulk_first = bulk_first,
              nearest_bulk_size = grp.nearest_bulk.neighbourhood,
              bursts_in_hive = nbursts, keys_considered = n,
              before_install = grp.before_bulk or nil,
              drivers_only = grp.drivers_only or nil,
              written = m.which, last_write = m.row.last_write,
              parameters_last_write = m.row.parameters_last_write,
            },
            message = message_head .. note,
          }
        end
      end
    end
    return hits
  end,
}

-- The module is the array of rules; the knobs and the burst finder ride along
-- as named fields (ipairs over the rules does not see them) for analysts'
-- scripts and the specs. Rule tables themselves carry only rule fields.
local module = { in_window, cluster }
module.knobs = knobs
module.servicing_services = servicing_services
module.find_bursts = find_bursts
module.effective_knobs = effective_knobs
return module
