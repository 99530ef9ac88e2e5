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
  for _, row in ipairs(input.rows or {}) do
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
        hits[#hits + 1] = {
          row = row,
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
--  5. Severity of each burst member:
--       low     when the hive has more than routine_max bursts: isolated
--               batches are then this machine's routine (software installs,
--               out-of-band updates), and time alone says little;
--       high    when the burst is compact (all written within high_span),
--               has at least high_min_size keys, and is the only compact
--               burst in the hive: a one-off flurry of service writes in
--               minutes, far from any install or patch activity, is how a
--               scripted intrusion looks and how routine maintenance does not
--               (patch batches recur and spread over the reboot).
--               A burst of driver keys only is never high: Plug and Play
--               installs a new device's drivers in one go (seen on the
--               corpus's Win10 hive: a USB storage device and its kernel
--               streaming drivers, written within minutes, days after the
--               last update);
--       medium  otherwise.
--     A burst older than every bulk group (before the install) is low and
--     does not count as a burst for the two rules above: such keys come with
--     the image the machine was built from (seen on the corpus's Win7 hive:
--     Virtual PC keys from 2001 on a 2009 install).
-- A patch day does not reach high: its keys are bulk (many keys that day, or
-- the TrustedInstaller key among them), and even if a small one is not, it is
-- one of several batches (routine) or spread over hours (not compact).
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
  routine_max = 3,        -- more bursts than this: each is low
  high_span = 7200,       -- a compact burst is written within this many seconds
  high_min_size = 5,      -- smallest burst that can be high
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
-- nearest bulk group, nearest_bulk=that group, before_bulk=bool, severity=}),
-- the number of times considered and the number of bursts after the install.
local function find_bursts(rows, k)
  local points = {}
  for _, row in ipairs(rows) do
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
        grp.compact = grp.last - grp.first <= k.high_span
        grp.drivers_only = true
        for _, m in ipairs(grp.members) do
          if not diff.is_driver(m.row) then grp.drivers_only = false; break end
        end
        bursts[#bursts + 1] = grp
      end
    end
  end
  -- Groups older than every bulk group predate the install: keys carried
  -- over from the image or template the machine was built from (a forged
  -- timestamp that old would stand out, not hide). Low, and not counted
  -- towards routine or uniqueness.
  local first_bulk = bulk[1] and bulk[1].first or math.huge
  local counted, counted_compact = 0, 0
  for _, grp in ipairs(bursts) do
    grp.before_bulk = grp.last < first_bulk
    if not grp.before_bulk then
      counted = counted + 1
      if grp.compact and grp.size >= k.high_min_size then counted_compact = counted_compact + 1 end
    end
  end
  for _, grp in ipairs(bursts) do
    if grp.before_bulk or counted > k.routine_max then
      grp.severity = "low"
    elseif grp.compact and grp.size >= k.high_min_size and counted_compact == 1 and not grp.drivers_only then
      grp.severity = "high"
    else
      grp.severity = "medium"
    end
  end
  return groups, n, counted
end

local cluster = {
  id = "lastwrite-cluster",
  technique = TECHNIQUE,
  severity = "medium",
  weight = 3,
  message = "service key written in a burst far from the hive's install and patch activity",
  evaluate = function(input, ctx)
    -- An analyst who gave a window is reading lastwrite-in-window instead.
    if input.since ~= nil or input["until"] ~= nil then return {} end
    local k = effective_knobs(input, knobs)
    local rows = current_rows(input)
    local groups, n, nbursts = find_bursts(rows, k)
    local hits = {}
    for _, grp in ipairs(groups) do
      if grp.burst then
        local names = {}
        for i, m in ipairs(grp.members) do names[i] = m.row.name end
        local span = grp.last - grp.first
        for _, m in ipairs(grp.members) do
          hits[#hits + 1] = {
            row = m.row,
            severity = grp.severity,
            evidence = {
              burst_first = time.format(grp.first), burst_last = time.format(grp.last),
              burst_size = grp.size, burst_span_seconds = span,
              burst_members = names,
              nearest_bulk_days = math.floor(grp.distance / DAY * 10 + 0.5) / 10,
              nearest_bulk_first = time.format(grp.nearest_bulk.first),
              nearest_bulk_size = grp.nearest_bulk.neighbourhood,
              bursts_in_hive = nbursts, keys_considered = n,
              before_install = grp.before_bulk or nil,
              drivers_only = grp.drivers_only or nil,
              written = m.which, last_write = m.row.last_write,
              parameters_last_write = m.row.parameters_last_write,
            },
            message = string.format("one of %d service keys written %s on %s, %s %s the hive's bulk of writes%s",
              grp.size, span == 0 and "in the same second" or ("within " .. time.duration(span)),
              time.format_date(grp.first), time.duration(grp.distance),
              grp.before_bulk and "before" or "from",
              grp.before_bulk and " (older than the install: image or template keys?)"
                or (nbursts > k.routine_max and string.format(" (one of %d such bursts)", nbursts))
                or (grp.drivers_only and " (driver keys only: a device install?)") or ""),
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
