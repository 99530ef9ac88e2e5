-- hh.policy: the rule framework shared by policies.
--
-- A policy is data: a list of rules and a list of allow entries. This module
-- validates them, runs them over the plugin's rows, scores each row, turns
-- hits into findings and sorts them, and builds extended copies of a policy
-- (policy.extend{...}) so an analyst can add, drop, re-weight and allowlist
-- rules from their own file without editing the shipped one.
--
-- Pure Lua 5.4 (base, string, table, math): it runs inside the host's policy
-- sandbox.

local paths = require "hh.paths"

local M = {}

M.SEVERITIES = { "info", "low", "medium", "high", "critical" }
local RANK = {}
for i, s in ipairs(M.SEVERITIES) do RANK[s] = i end
M.RANK = RANK

-- Score bands: a row's summed weight maps to a severity. The lower bound of
-- each band is also the default weight of a rule of that severity, so a lone
-- rule lands in its own band and two rules of one band lift the row a band.
M.BANDS = {
  { min = 12, severity = "critical" },
  { min = 8, severity = "high" },
  { min = 4, severity = "medium" },
  { min = 2, severity = "low" },
  { min = -math.huge, severity = "info" },
}
M.DEFAULT_WEIGHT = { info = 0, low = 2, medium = 4, high = 8, critical = 12 }

function M.band(score)
  for _, b in ipairs(M.BANDS) do
    if score >= b.min then return b.severity end
  end
  return "info"
end

function M.max_severity(a, b)
  if a == nil then return b end
  if b == nil then return a end
  return RANK[a] >= RANK[b] and a or b
end

-- Rules --------------------------------------------------------------------
-- A per-row rule's match(row, ctx) returns nil (no hit), or evidence (a
-- table) and optionally a severity for this hit in place of the rule's; any
-- other true value counts as a hit with empty evidence (so
-- `return s:find(...)` works, whatever find returns second). A set rule's evaluate(input,
-- ctx) returns an array of { row =, evidence =, message =, severity = },
-- and optionally weight = (this hit's, in place of the rule's), fact = (see
-- Scoring), datetime = and timestamp_desc = (the write the hit is about,
-- when it is not the row's key LastWrite). Set rules run after every
-- per-row rule and may ask ctx.flagged(row) which rules fired on a row.
-- Either way a finding's severity is the higher of that and the band of the
-- row's score.
--
-- A per-row rule may say facts_only = true: its verdict depends on nothing
-- but the row's facts (ctx.facts(row), which rows with the same inputs
-- share) and run-wide data. The runner then judges rows sharing a facts
-- table once: after a miss it skips the others without calling match; after
-- a hit it calls match again for each, so every finding has its own
-- evidence. Such a match gets the facts as a third argument.

-- Validation --------------------------------------------------------------

-- Validation errors carry no position of their own: M.new and extend
-- re-raise them at their caller, so the message points at the analyst's file.
local function fail(where, msg)
  error(where .. msg, 0)
end

local RULE_FIELDS = {
  id = true, technique = true, severity = true, weight = true, message = true,
  match = true, evaluate = true, description = true, notes = true, facts_only = true,
  fact = true,
}

-- Check one rule table; `where` names it in messages ("extend: rules[2]").
-- Returns a copy with the default weight filled in.
function M.check_rule(rule, where)
  if type(rule) ~= "table" then
    fail(where, " must be a table, got " .. type(rule))
  end
  for k in pairs(rule) do
    if not RULE_FIELDS[k] then
      fail(where, " has unknown field '" .. tostring(k) .. "'")
    end
  end
  if type(rule.id) ~= "string" or rule.id == "" then
    fail(where, ".id must be a string")
  end
  if not rule.id:match("^[%w][%w%-_%.]*$") then
    fail(where, ".id must be letters, digits, '-', '_' or '.', got '" .. rule.id .. "'")
  end
  local w = where .. " (" .. rule.id .. ")"
  if type(rule.technique) ~= "string" or rule.technique == "" then
    fail(w, ".technique must be a string (an ATT&CK id such as T1543.003)")
  end
  if type(rule.severity) ~= "string" or not RANK[rule.severity] then
    fail(w, ".severity must be one of info, low, medium, high, critical")
  end
  if type(rule.message) ~= "string" or rule.message == "" then
    fail(w, ".message must be a string")
  end
  if rule.message:find("[\r\n]") then
    fail(w, ".message must be one line")
  end
  if rule.weight ~= nil and (type(rule.weight) ~= "number" or rule.weight ~= rule.weight
      or rule.weight < 0 or rule.weight == math.huge) then
    fail(w, ".weight must be a finite number >= 0")
  end
  local has_match = rule.match ~= nil
  local has_eval = rule.evaluate ~= nil
  if has_match == has_eval then
    fail(w, " needs exactly one of match (per row) or evaluate (over the input)")
  end
  if has_match and type(rule.match) ~= "function" then
    fail(w, ".match must be a function")
  end
  if has_eval and type(rule.evaluate) ~= "function" then
    fail(w, ".evaluate must be a function")
  end
  if rule.facts_only ~= nil and type(rule.facts_only) ~= "boolean" then
    fail(w, ".facts_only must be a boolean")
  end
  if rule.fact ~= nil and (type(rule.fact) ~= "string" or rule.fact == "") then
    fail(w, ".fact must be a string naming what the rule judges")
  end
  if rule.facts_only and not has_match then
    fail(w, ".facts_only applies to a per-row rule (match)")
  end
  local copy = {}
  for k, v in pairs(rule) do copy[k] = v end
  if copy.weight == nil then copy.weight = M.DEFAULT_WEIGHT[copy.severity] end
  return copy
end

local ALLOW_FIELDS = { rule = true, service = true, task = true, path = true, dir = true, note = true }

-- Check one allow entry: { rule = id | "*", service = name, task = a
-- scheduled task's path, path = Lua pattern on a normalised path, dir =
-- directory (component prefix) }; at least one of service, task, path, dir.
-- `known` is the set of rule ids.
function M.check_allow(entry, where, known)
  if type(entry) ~= "table" then
    fail(where, " must be a table, got " .. type(entry))
  end
  for k in pairs(entry) do
    if not ALLOW_FIELDS[k] then
      fail(where, " has unknown field '" .. tostring(k) .. "'")
    end
  end
  if type(entry.rule) ~= "string" then
    fail(where, ".rule must be a string (a rule id or \"*\")")
  end
  if entry.rule ~= "*" and known and not known[entry.rule] then
    fail(where, ".rule names no rule: '" .. entry.rule .. "'")
  end
  if entry.service == nil and entry.task == nil and entry.path == nil and entry.dir == nil then
    fail(where, " needs service, task, path or dir")
  end
  if entry.service ~= nil and type(entry.service) ~= "string" then
    fail(where, ".service must be a string")
  end
  if entry.task ~= nil and type(entry.task) ~= "string" then
    fail(where, ".task must be a string (a task path such as \\Vendor\\Updater)")
  end
  if entry.dir ~= nil and type(entry.dir) ~= "string" then
    fail(where, ".dir must be a string")
  end
  if entry.note ~= nil and type(entry.note) ~= "string" then
    fail(where, ".note must be a string")
  end
  if entry.path ~= nil then
    if type(entry.path) ~= "string" then
      fail(where, ".path must be a string (a Lua pattern)")
    end
    local ok, err = pcall(string.find, "", entry.path)
    if not ok then
      fail(where, ".path is not a valid Lua pattern: " .. tostring(err))
    end
  end
  return {
    rule = entry.rule,
    service = entry.service and entry.service:lower(),
    task = entry.task and entry.task:lower(),
    path = entry.path,
    dir = entry.dir and paths.normalize(entry.dir),
    note = entry.note,
  }
end

-- Allow matching -------------------------------------------------------------

-- The normalised paths an allow entry is tested against: those the evidence
-- names, else the row's program and ServiceDll.
local function evidence_paths(evidence, facts)
  local out = {}
  if type(evidence) == "table" then
    for _, k in ipairs { "normalized", "payload" } do
      if type(evidence[k]) == "string" then out[#out + 1] = evidence[k] end
    end
  end
  if #out == 0 and facts then
    if facts.binary then out[#out + 1] = facts.binary end
    if facts.dll then out[#out + 1] = facts.dll end
  end
  return out
end

local function allow_matches(a, rule_id, row, evidence, facts)
  if a.rule ~= "*" and a.rule ~= rule_id then return false end
  if a.service and (type(row.name) ~= "string" or row.name:lower() ~= a.service) then
    return false
  end
  if a.task and (type(row.path) ~= "string" or row.path:lower() ~= a.task) then
    return false
  end
  if a.path or a.dir then
    local hit = false
    for _, p in ipairs(evidence_paths(evidence, facts)) do
      local ok = true
      if a.path and not p:find(a.path) then ok = false end
      if ok and a.dir and not paths.is_under(p, a.dir) then ok = false end
      if ok then hit = true; break end
    end
    if not hit then return false end
  end
  return true
end

-- Findings -----------------------------------------------------------------

local ROW_FIELDS = {
  "display_name", "control_set", "current", "key", "last_write", "image_path",
  "service_dll", "object_name", "start", "start_name", "type", "type_name",
}

-- def.finding_fields, when a policy gives it, lists the row fields its
-- findings carry in place of ROW_FIELDS (a service's); def.timestamp_desc
-- names the time its rows' last_write is; def.technique_of(row, rule, hit),
-- the technique of a hit when it depends on the row (a rule that judges
-- many autostart locations reports each location's); def.describe(row, f),
-- when given, fills the row's own fields into finding f itself (locating
-- fields, times, _epoch for sorting) in place of all of that. scoring: the
-- hit's score_facts (see Scoring), nil on a row with a single hit.
local function finding(row, rule, hit, score, def, scoring)
  local f = {
    rule = rule.id,
    technique = def.technique_of and def.technique_of(row, rule, hit) or rule.technique,
    score = score,
    message = hit.message or rule.message,
    evidence = hit.evidence or {},
  }
  if scoring then
    -- a copy: one evidence table may serve several hits
    local e = {}
    for k, v in pairs(f.evidence) do e[k] = v end
    e.score_facts = scoring
    f.evidence = e
  end
  f.severity = M.max_severity(hit.severity or rule.severity, M.band(score))
  if def.describe then
    def.describe(row, f)
    return f
  end
  f.service = row.name
  for _, k in ipairs(def.finding_fields or ROW_FIELDS) do f[k] = row[k] end
  if row.recovered then f.recovered = true end
  -- the fields that locate every plugin's finding (the host fills what a
  -- row leaves out from the hive it came from)
  if row.hive then f.hive = row.hive end
  if row.hive_kind then f.hive_kind = row.hive_kind end
  if row.value ~= nil and type(row.value) ~= "table" then f.value = row.value end
  if row.user then f.user = row.user end
  -- the write the finding is about: the hit's when it names one (a
  -- Parameters key written after its service key), else the key's
  if hit.datetime then
    f.datetime = hit.datetime
    f.timestamp_desc = hit.timestamp_desc or "LastWrite"
  elseif type(hit.evidence) == "table" and hit.evidence.field == "service_dll"
      and row.service_dll_source == "Parameters" and row.parameters_last_write then
    -- a ServiceDll read from the Parameters key was written with that key
    f.datetime = row.parameters_last_write
    f.timestamp_desc = "Service Parameters key LastWrite"
  elseif row.last_write then
    f.datetime = row.last_write
    f.timestamp_desc = def.timestamp_desc or "Service key LastWrite"
  end
  f._epoch = row.last_write_epoch
  return f
end

-- Scoring ------------------------------------------------------------------
-- A row's score adds independent facts, not rules: two rules that judge the
-- same fact (a ServiceDll under ProgramData is also outside System32) are
-- one piece of evidence told twice. Each rule names the fact it judges
-- (rule.fact, by default its own id; a set rule's hit may name its own);
-- the fact is qualified by the file the hit's evidence names
-- (evidence.normalized), so the locations of two files stay two facts.
-- Hits resting on one fact count once, at their largest weight. When a row
-- has more than one hit, each finding's evidence.score_facts shows the sum:
-- the fact this finding rests on, whether its weight counted, and every
-- fact of the row with its weight and rules.

local function fact_of(rule, hit)
  local name = hit.fact or rule.fact or rule.id
  local e = hit.evidence
  if type(e) == "table" and type(e.normalized) == "string" then
    return name .. " of " .. e.normalized
  end
  return name
end

local function fmt_weight(w)
  if math.type(w) == "integer" or w == math.floor(w) then return string.format("%d", w) end
  return string.format("%g", w)
end

-- Score one row's hits; returns the score and, per hit, its scoring evidence
-- (nil for a row with a single hit: nothing to explain).
function M.score(list)
  local facts, order = {}, {}
  local of_hit = {}
  for i, h in ipairs(list) do
    local w = h.hit.weight or h.rule.weight
    local key = fact_of(h.rule, h.hit)
    local f = facts[key]
    if not f then
      f = { key = key, weight = -1, rules = {} }
      facts[key] = f
      order[#order + 1] = f
    end
    f.rules[#f.rules + 1] = { h.rule.id, w }
    if w > f.weight then f.weight, f.top = w, i end
    of_hit[i] = f
  end
  local score = 0
  for _, f in ipairs(order) do score = score + f.weight end
  if #list < 2 then return score, {} end
  local lines = {}
  for i, f in ipairs(order) do
    -- the counted rule first
    table.sort(f.rules, function(a, b)
      if a[2] ~= b[2] then return a[2] > b[2] end
      return a[1] < b[1]
    end)
    local parts = {}
    for j, r in ipairs(f.rules) do parts[j] = r[1] .. " " .. fmt_weight(r[2]) end
    lines[i] = string.format("%s: %s (%s)", f.key, fmt_weight(f.weight), table.concat(parts, ", "))
  end
  local per_hit = {}
  for i in ipairs(list) do
    local f = of_hit[i]
    per_hit[i] = {
      fact = f.key,
      counted = f.top == i,
      independent_facts = #order,
      score = score,
      facts = lines,
    }
  end
  return score, per_hit
end

local function lw_key(f)
  if type(f._epoch) == "number" then return f._epoch end
  return nil
end

-- Worst first: score, then newest LastWrite, then service name, rule id,
-- control set, key and live-before-recovered, so two runs give
-- byte-identical output.
function M.sort(findings)
  table.sort(findings, function(a, b)
    if a.score ~= b.score then return a.score > b.score end
    local ea, eb = lw_key(a), lw_key(b)
    if ea ~= eb then
      if ea == nil then return false end
      if eb == nil then return true end
      return ea > eb
    end
    local la, lb = a.last_write or "", b.last_write or ""
    if la ~= lb then return la > lb end
    local na, nb = tostring(a.service or ""), tostring(b.service or "")
    if na ~= nb then return na < nb end
    if a.rule ~= b.rule then return a.rule < b.rule end
    local ca, cb = tostring(a.control_set or ""), tostring(b.control_set or "")
    if ca ~= cb then return ca < cb end
    local ka, kb = tostring(a.key or ""), tostring(b.key or "")
    if ka ~= kb then return ka < kb end
    -- entries of one key (Run values, list elements, users' hives)
    for _, k in ipairs { "value", "command", "user", "hive" } do
      local x, y = tostring(a[k] or ""), tostring(b[k] or "")
      if x ~= y then return x < y end
    end
    -- a live key before a deleted one recovered under the same name
    return not a.recovered and b.recovered == true
  end)
  return findings
end

-- Running rules ----------------------------------------------------------------

-- Rows grouped by the facts table they share, for facts_only rules:
-- groups.first lists the first row (index) of each facts table in row order,
-- groups.next[i] the next row after row i with the same facts. Filled on
-- first use, which derives every row's facts in row order.
local function group_by_facts(rows, n, facts_of, groups)
  local first, next_row, last = {}, {}, {}
  for i = 1, n do
    local f = facts_of[rows[i]]
    local prev = last[f]
    if prev then next_row[prev] = i else first[#first + 1] = i end
    last[f] = i
  end
  groups.first, groups.next = first, next_row
end

local function by_row_index(a, b) return a[4] < b[4] end

-- One per-row rule over rows[1..n], inside the caller's single protected
-- call: a pcall per row costs more than most rules do. Hits are collected as
-- { row, result, severity, index } in row order and checked by the caller;
-- the collection stops after a hit with an unknown severity.
-- A facts_only rule is called for the first row of each facts group, and
-- for the next rows of the group only while it keeps hitting (see above).
local function match_rows(rule, rows, n, run, hits, facts_of, groups)
  local match = rule.match
  local count = 0
  local function hit(i, row, res, sev)
    count = count + 1
    hits[count] = { row, res, sev, i }
    return sev ~= nil and type(res) == "table" and not RANK[sev]
  end
  if rule.facts_only then
    if not groups.first then group_by_facts(rows, n, facts_of, groups) end
    local first, next_row = groups.first, groups.next
    local bad = false
    for g = 1, #first do
      local i = first[g]
      repeat
        local row = rows[i]
        local res, sev = match(row, run, facts_of[row])
        if not res then break end
        bad = hit(i, row, res, sev)
        i = next_row[i]
      until bad or i == nil
      if bad then break end
    end
    -- hits came group by group: back to row order
    if count > 1 then table.sort(hits, by_row_index) end
  else
    for i = 1, n do
      local row = rows[i]
      local res, sev = match(row, run)
      if res and hit(i, row, res, sev) then break end
    end
  end
  hits.n = count
end

-- Policy objects -------------------------------------------------------------

local SPEC_FIELDS = { rules = true, disable = true, weights = true, allow = true }

-- Build a policy from a definition:
--   name, description, categories, hives  -- the policy contract's fields
--   rules   = { rule, ... }
--   allow   = { entry, ... }
--   prepare = function(input, ctx)        -- optional: fills ctx before rules run
--   facts   = function(row, ctx) -> table -- optional: derived per-row facts,
--                                           cached, reachable as ctx.facts(row)
--   describe = function(row, finding)     -- optional: the row's fields a finding
--                                           carries (default: a service's)
--   exports = { name = value }            -- optional: extra fields on the policy
local function build(def)
  local rules, by_id = {}, {}
  for i, r in ipairs(def.rules or {}) do
    local c = M.check_rule(r, (def.name or "policy") .. ": rules[" .. i .. "]")
    if by_id[c.id] then
      fail((def.name or "policy") .. ": rules[" .. i .. "].id", " '" .. c.id .. "' is used twice")
    end
    rules[#rules + 1] = c
    by_id[c.id] = c
  end
  local allow = {}
  for i, a in ipairs(def.allow or {}) do
    allow[#allow + 1] = M.check_allow(a, (def.name or "policy") .. ": allow[" .. i .. "]", by_id)
  end

  local p = {
    name = def.name,
    description = def.description,
    categories = def.categories,
    hives = def.hives,
    rules = rules,
    allow = allow,
  }
  -- extra fields a policy offers its extenders to read (data tables, helpers)
  for k, v in pairs(def.exports or {}) do
    if p[k] == nil then p[k] = v end
  end
  local init_args = {}

  function p.init(args)
    init_args = args or {}
  end

  function p.evaluate(input, ctx)
    ctx = ctx or {}
    paths.begin_run()
    local warned = {}
    local host_warn = ctx.warn
    local run = {
      input = input,
      args = input.args or init_args,
      warn = function(msg)
        if host_warn then host_warn(msg) end
      end,
    }
    -- Say a thing once per run however many rows trigger it.
    function run.warn_once(key, msg)
      if warned[key] then return end
      warned[key] = true
      run.warn(msg)
    end
    -- facts_of[row]: each row's facts, derived on first use (the runner
    -- reads the table directly, rules call run.facts)
    local facts_of = setmetatable({}, { __index = function(cache, row)
      local f = def.facts and def.facts(row, run) or {}
      cache[row] = f
      return f
    end })
    function run.facts(row)
      return facts_of[row]
    end
    if def.prepare then def.prepare(input, run) end

    -- `--arg <policy>.disable=id,id` drops rules for this run without a
    -- policy file; a name that is no rule is an error, not a silent no-op
    local skip = {}
    local dis = run.args and run.args.disable
    if dis ~= nil then
      if type(dis) ~= "string" then
        error((def.name or "policy") .. ": argument disable must be a comma-separated list of rule ids", 0)
      end
      local known = {}
      for _, r in ipairs(rules) do known[r.id] = true end
      for id in dis:gmatch("[^,%s]+") do
        if not known[id] then
          error((def.name or "policy") .. ": argument disable names no rule: '" .. id .. "'", 0)
        end
        skip[id] = true
      end
    end

    -- the allow entries that can apply to a rule's hits (its own and "*"),
    -- in order; gathered at the rule's first hit
    local allow_for = {}
    local function allow_list(id)
      local list = allow_for[id]
      if not list then
        list = {}
        for _, a in ipairs(allow) do
          if a.rule == "*" or a.rule == id then list[#list + 1] = a end
        end
        allow_for[id] = list
      end
      return list
    end

    -- hits grouped by row, in first-seen row order
    local order, by_row = {}, {}
    -- The ids of the rules that fired on a row so far (allowlisted hits
    -- left out): set rules run after every per-row rule, so a set rule can
    -- tell a row other rules flag.
    function run.flagged(row)
      local ids = {}
      for _, h in ipairs(by_row[row] or {}) do ids[#ids + 1] = h.rule.id end
      return ids
    end
    local function add(row, rule, hit)
      local facts = run.facts(row)
      for _, a in ipairs(allow_list(rule.id)) do
        if allow_matches(a, rule.id, row, hit.evidence, facts) then return end
      end
      local list = by_row[row]
      if not list then
        list = {}
        by_row[row] = list
        order[#order + 1] = row
      end
      list[#list + 1] = { rule = rule, hit = hit }
    end

    local rows = input.rows or {}
    -- the rows ipairs would visit: up to the first nil
    local nrows = 0
    while rows[nrows + 1] ~= nil do nrows = nrows + 1 end
    local groups = {}   -- rows by shared facts (group_by_facts), on first need
    -- per-row rules first, then set rules, each kind in list order
    local ordered = {}
    for _, rule in ipairs(rules) do if rule.match then ordered[#ordered + 1] = rule end end
    for _, rule in ipairs(rules) do if not rule.match then ordered[#ordered + 1] = rule end end
    for _, rule in ipairs(ordered) do
      if skip[rule.id] then
        -- disabled for this run
      elseif rule.match then
        local hits = {}
        local ok, res = pcall(match_rows, rule, rows, nrows, run, hits, facts_of, groups)
        if not ok then
          error("rule " .. rule.id .. ": " .. tostring(res), 0)
        end
        for i = 1, hits.n do
          local h = hits[i]
          local ev, sev = h[2], h[3]
          if type(ev) ~= "table" then
            -- a bare true value (string.find's start, say): no evidence,
            -- and whatever came second is not a severity
            ev, sev = {}, nil
          elseif sev ~= nil and not RANK[sev] then
            error("rule " .. rule.id .. ": match returned unknown severity '" .. tostring(sev) .. "'", 0)
          end
          add(h[1], rule, { evidence = ev, severity = sev })
        end
      else
        local ok, hits = pcall(rule.evaluate, input, run)
        if not ok then
          error("rule " .. rule.id .. ": " .. tostring(hits), 0)
        end
        if hits ~= nil and type(hits) ~= "table" then
          error("rule " .. rule.id .. ": evaluate must return an array of hits, got " .. type(hits), 0)
        end
        for i, h in ipairs(hits or {}) do
          if type(h) ~= "table" or type(h.row) ~= "table" then
            error("rule " .. rule.id .. ": hit " .. i .. " has no row table", 0)
          end
          if h.severity ~= nil and not RANK[h.severity] then
            error("rule " .. rule.id .. ": hit " .. i .. " has unknown severity '" .. tostring(h.severity) .. "'", 0)
          end
          if h.weight ~= nil and (type(h.weight) ~= "number" or h.weight ~= h.weight
              or h.weight < 0 or h.weight == math.huge) then
            error("rule " .. rule.id .. ": hit " .. i .. " has a weight that is not a finite number >= 0", 0)
          end
          if h.fact ~= nil and type(h.fact) ~= "string" then
            error("rule " .. rule.id .. ": hit " .. i .. " has a fact that is not a string", 0)
          end
          add(h.row, rule, { evidence = h.evidence, message = h.message, severity = h.severity,
                             weight = h.weight, fact = h.fact, datetime = h.datetime,
                             timestamp_desc = h.timestamp_desc })
        end
      end
    end

    local findings = {}
    for _, row in ipairs(order) do
      local list = by_row[row]
      local score, scoring = M.score(list)
      for i, h in ipairs(list) do
        findings[#findings + 1] = finding(row, h.rule, h.hit, score, def, scoring[i])
      end
    end
    M.sort(findings)
    local plugin = input.plugin or def.name
    for _, f in ipairs(findings) do
      f._epoch = nil
      f.plugin = plugin
    end
    return findings
  end

  -- A new policy: this one's rules and allow list with local changes.
  -- spec = { rules = {...}, disable = {id...}, weights = {id = n}, allow = {...} }
  -- A rule in spec.rules whose id is already taken replaces that rule.
  function p.extend(spec)
    local ok, res = pcall(M.extended_def, def, rules, spec)
    if not ok then error(res, 2) end
    local built
    ok, built = pcall(build, res)
    if not ok then error(built, 2) end
    return built
  end

  return p
end

-- The definition of def extended by spec (see p.extend); raises on bad input.
function M.extended_def(def, rules, spec)
  local W = "extend: "
  if type(spec) ~= "table" then
    fail(W, "expected a table, got " .. type(spec))
  end
  for k in pairs(spec) do
    if not SPEC_FIELDS[k] then
      fail(W, "unknown field '" .. tostring(k) .. "' (expected rules, disable, weights, allow)")
    end
  end
  local new_rules, index = {}, {}
  for _, r in ipairs(rules) do
    new_rules[#new_rules + 1] = r
    index[r.id] = #new_rules
  end
  if spec.rules ~= nil then
    if type(spec.rules) ~= "table" then fail(W, "rules must be an array of rules") end
    for i, r in ipairs(spec.rules) do
      local c = M.check_rule(r, W .. "rules[" .. i .. "]")
      if index[c.id] then
        new_rules[index[c.id]] = c
      else
        new_rules[#new_rules + 1] = c
        index[c.id] = #new_rules
      end
    end
  end
  if spec.weights ~= nil then
    if type(spec.weights) ~= "table" then fail(W, "weights must be a table of rule id = number") end
    for id, w in pairs(spec.weights) do
      if type(id) ~= "string" or not index[id] then
        fail(W, "weights names no rule: '" .. tostring(id) .. "'")
      end
      if type(w) ~= "number" or w ~= w or w < 0 or w == math.huge then
        fail(W, "weights['" .. id .. "'] must be a finite number >= 0")
      end
      local c = {}
      for k, v in pairs(new_rules[index[id]]) do c[k] = v end
      c.weight = w
      new_rules[index[id]] = c
    end
  end
  local drop = {}
  if spec.disable ~= nil then
    if type(spec.disable) ~= "table" then fail(W, "disable must be an array of rule ids") end
    for i, id in ipairs(spec.disable) do
      if type(id) ~= "string" then
        fail(W, "disable[" .. i .. "] must be a string")
      end
      if not index[id] then
        fail(W, "disable[" .. i .. "] names no rule: '" .. id .. "'")
      end
      drop[id] = true
    end
  end
  local kept, known = {}, {}
  for _, r in ipairs(new_rules) do
    if not drop[r.id] then kept[#kept + 1] = r end
    known[r.id] = true
  end
  -- allow entries for a rule that is now disabled are moot: dropped
  local new_allow = {}
  for _, a in ipairs(def.allow or {}) do
    if a.rule == "*" or not drop[a.rule] then new_allow[#new_allow + 1] = a end
  end
  if spec.allow ~= nil then
    if type(spec.allow) ~= "table" then fail(W, "allow must be an array of entries") end
    for i, a in ipairs(spec.allow) do
      M.check_allow(a, W .. "allow[" .. i .. "]", known)
      if a.rule == "*" or not drop[a.rule] then new_allow[#new_allow + 1] = a end
    end
  end
  local nd = {}
  for k, v in pairs(def) do nd[k] = v end
  nd.rules = kept
  nd.allow = new_allow
  return nd
end

function M.new(def)
  local ok, res = pcall(build, def)
  if not ok then error(res, 2) end
  return res
end

return M
