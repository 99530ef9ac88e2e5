-- The tasks plugin and policy together on the fixture SOFTWARE hives: every
-- planted case (testdata/README.md, "Scheduled tasks") is flagged by its rule
-- at medium or above, and the stock tasks stay below high (the clean hive
-- gives nothing at all). Runs under `hivehunt lua` (plugin.tasks).
local regf = require "hh.regf"
local plugin = require "plugin.tasks"
local policy = require "tasks"

local testdata = assert(os.getenv("HH_TESTDATA"), "HH_TESTDATA is not set")
local RANK = { info = 1, low = 2, medium = 3, high = 4, critical = 5 }

local function collect(rel)
  return assert(plugin.collect({ software = assert(regf.open(testdata .. "/" .. rel)) }))
end

local function by_task(findings)
  local t = {}
  for _, f in ipairs(findings) do
    t[f.task] = t[f.task] or {}
    t[f.task][f.rule] = f
  end
  return t
end

-- planted task -> the rule it is planted for
local PLANTED = {
  ["\\Adobe Flash Sync"] = "action-user-writable",
  ["\\ThemeCache Refresh"] = "action-user-writable",
  ["\\SystemHealthMonitor"] = "action-interpreter",
  ["\\Chrome Cleanup Helper"] = "action-interpreter",
  ["\\WinKit Sync"] = "action-interpreter",
  ["\\Java Update Scheduler"] = "action-interpreter",
  ["\\Dell\\SupportAssistUpdate"] = "action-programdata",
  ["\\DriverUpdateHelper"] = "hidden-task",
  ["\\PrinterSync"] = "hidden-task",
  ["\\OrphanTreeEntry"] = "tree-tasks-mismatch",
  ["\\Maintenance\\UnlistedTask"] = "tree-tasks-mismatch",
  ["\\Microsoft\\Windows\\Diagnosis\\DiagTrackSync"] = "microsoft-folder-foreign",
  ["\\Microsft\\Windows\\Defrag\\ScheduledDefrag"] = "name-imitation",
  ["\\MapsUpdateTask"] = "name-imitation",
  ["\\Microsoft\\Windows\\Shell\\ThemesSyncTask"] = "com-handler-unregistered",
  ["\\CorruptActions"] = "blob-undecodable",
  ["\\Microsoft\\Windows\\Defrag\\ScheduledDefrag"] = "action-user-writable",
}

describe("tasks hunt on the fixture SOFTWARE hives", function()
  local clean = collect("tasks/clean/SOFTWARE")
  local bad = collect("tasks/compromised/SOFTWARE")

  it("gives nothing on the clean hive's 121 stock and vendor tasks", function()
    assert.same({}, policy.evaluate(clean, {}))
  end)

  it("flags every planted task with its rule, at medium or above", function()
    local found = by_task(policy.evaluate(bad, {}))
    for path, rule in pairs(PLANTED) do
      local f = found[path] and found[path][rule]
      assert(f, path .. ": no " .. rule .. " finding")
      assert(RANK[f.severity] >= RANK.medium, path .. ": " .. rule .. " is only " .. f.severity)
      assert.equal("tasks", f.plugin)
      assert.equal("SOFTWARE", f.hive_kind)
    end
  end)

  it("leaves every stock task below high, and untouched ones without findings", function()
    local found = by_task(policy.evaluate(bad, {}))
    for _, row in ipairs(clean.rows) do
      if not PLANTED[row.path] then
        assert.is_nil(found[row.path], row.path)
      end
    end
  end)

  it("puts the planted tasks in one creation burst", function()
    local found = by_task(policy.evaluate(bad, {}))
    local n = 0
    for path in pairs(PLANTED) do
      if found[path] and found[path]["creation-burst"] then n = n + 1 end
    end
    -- every planted task but the repointed stock one (created at install)
    assert.equal(16, n)
  end)

  it("finds the additions and the repointed action against the clean hive as baseline", function()
    local input = collect("tasks/compromised/SOFTWARE")
    input.baseline = { rows = clean.rows, source = "clean" }
    local found = by_task(policy.evaluate(input, {}))
    local added = 0
    for path in pairs(PLANTED) do
      if found[path]["baseline-task-added"] then added = added + 1 end
    end
    assert.equal(16, added)
    assert.truthy(found["\\Microsoft\\Windows\\Defrag\\ScheduledDefrag"]["baseline-action-changed"])
    local reverse = collect("tasks/clean/SOFTWARE")
    reverse.baseline = { rows = bad.rows, source = "compromised" }
    local gone = by_task(policy.evaluate(reverse, {}))
    assert.truthy(gone["\\Adobe Flash Sync"]["baseline-task-removed"])
  end)

  it("reports the tasks created inside --since/--until and no burst then", function()
    local input = collect("tasks/compromised/SOFTWARE")
    input.since, input["until"] = "2026-10-13T00:00:00Z", "2026-10-14T00:00:00Z"
    local found = by_task(policy.evaluate(input, {}))
    local n = 0
    for path in pairs(found) do
      if found[path]["created-in-window"] then n = n + 1 end
      assert.is_nil(found[path]["creation-burst"])
    end
    -- the 16 planted tasks and the repointed one (its keys were written then)
    assert.equal(17, n)
  end)
end)

describe("tasks hunt on the corpus's NT4 SOFTWARE", function()
  local corpus = os.getenv("HH_CORPUS")
  local path = corpus and (corpus .. "/aiowinreg/SOFTWARE")
  local f = path and io.open(path, "rb")
  if f then f:close() end
  it("has nothing to say", function()
    if not f then
      pending("corpus hive aiowinreg/SOFTWARE absent: skipped")
      return
    end
    local input = assert(plugin.collect(assert(regf.open(path))))
    assert.same({}, policy.evaluate(input, {}))
  end)
end)
