-- plugin.tasks (the C half) on the fixture SOFTWARE hives and the corpus's real
-- SOFTWARE. Runs under `hivehunt lua`, which preloads plugin.tasks and hh.regf.
local regf = require "hh.regf"
local tasks = require "plugin.tasks"

local testdata = assert(os.getenv("HH_TESTDATA"), "HH_TESTDATA is not set")
local corpus = os.getenv("HH_CORPUS")

local function open(rel)
  return assert(regf.open(testdata .. "/" .. rel))
end

local function by_path(input)
  local t = {}
  for _, r in ipairs(input.rows) do
    if r.path then t[r.path] = r end
  end
  return t
end

local STOCK = 121

describe("plugin.tasks collect on the clean fixture", function()
  local input = assert(tasks.collect({ software = open("tasks/clean/SOFTWARE") }))
  local rows = by_path(input)

  it("gives one row per stock task, joined, without warnings", function()
    assert.equal("tasks", input.plugin)
    assert.equal(STOCK, #input.rows)
    assert.same({}, input.warnings)
    assert.is_true(input.classes)
    for _, r in ipairs(input.rows) do
      assert.is_true(r.in_tree and r.in_tasks, r.path)
      assert.is_false(r.hidden, r.path)
      assert.equal("SOFTWARE", r.hive_kind)
      assert.equal("T1053.005", r.technique)
      assert.equal(r.task_key, r.key)
      assert.is_nil(r.value)
      assert.equal(1, #r.actions, r.path)
      assert.is_string(r.created, r.path)
      assert.is_string(r.guid)
    end
  end)

  it("decodes exec actions of the version 3 layout", function()
    local r = rows["\\Microsoft\\Windows\\Defrag\\ScheduledDefrag"]
    assert.equal(3, r.actions_version)
    assert.equal("Author", r.actions_context)
    assert.same({ type = "exec", command = "%windir%\\system32\\defrag.exe", arguments = "-c -h -o -$",
                  flags = 0 }, r.actions[1])
    assert.equal("ScheduledDefrag", r.name)
    assert.same({ "Maintenance" }, r.lists)
    assert.is_true(r.maintenance)
    assert.equal("idle", r.triggers[1].type)
    assert.equal("2024-03-10T09:06:30Z", r.created)
    assert.equal(r.created, r.task_last_write)
    assert.is_true(r.has_sd)
    assert.equal(4, r.index)
  end)

  it("decodes the version 1 layout (no context, no flags) and its 28-byte DynamicInfo", function()
    local r = rows["\\Microsoft\\Windows\\AppID\\VerifiedPublisherCertStoreCheck"]
    assert.equal(1, r.actions_version)
    assert.is_nil(r.actions_context)
    assert.is_nil(r.actions[1].flags)
    assert.is_nil(r.last_success)
    assert.equal("boot", r.triggers[1].type)
    assert.is_true(r.boot)
  end)

  it("decodes COM handlers and finds their class in Classes\\CLSID", function()
    local r = rows["\\Microsoft\\Windows\\Registry\\RegIdleBackup"]
    local a = r.actions[1]
    assert.equal("com", a.type)
    assert.matches("^{%x+%-%x+%-%x+%-%x+%-%x+}$", a.clsid)
    assert.is_true(a.registered)
    assert.equal("%SystemRoot%\\system32\\regidle.dll", a.server)
  end)

  it("reads time triggers' start boundaries", function()
    local r = rows["\\MicrosoftEdgeUpdateTaskMachineUA"]
    assert.equal("time", r.triggers[1].type)
    assert.equal(1, r.triggers[1].mode)
    assert.equal("2024-03-10T09:31:11Z", r.triggers[1].start)
    assert.equal(r.triggers[1].start, r.triggers_start)
    assert.is_true(r.enabled)
  end)

  it("takes a bare SOFTWARE hive and the older (system, software) call alike", function()
    local h = open("tasks/clean/SOFTWARE")
    assert.equal(STOCK, #assert(tasks.collect(h)).rows)
    assert.equal(STOCK, #assert(tasks.collect(open("clean/SYSTEM"), h)).rows)
  end)

  it("refuses a call without a SOFTWARE hive and a hive of another kind", function()
    local r, msg = tasks.collect({ system = open("clean/SYSTEM") })
    assert.is_nil(r)
    assert.matches("no SOFTWARE hive", msg)
    r, msg = tasks.collect(open("clean/SYSTEM"))
    assert.is_nil(r)
    r, msg = tasks.collect({ software = open("clean/SYSTEM") })
    assert.is_nil(r)
    assert.matches("not a SOFTWARE hive", msg)
    assert.has_error(function() tasks.collect("SOFTWARE") end)
  end)
end)

describe("plugin.tasks collect on the compromised fixture", function()
  local input = assert(tasks.collect({ software = open("tasks/compromised/SOFTWARE") }))
  local rows = by_path(input)

  it("keeps every task, planted ones included", function()
    -- 17 planted tasks, one of which repoints a stock task
    assert.equal(STOCK + 16, #input.rows)
  end)

  it("marks Tree entries without SD or with Index 0 hidden", function()
    assert.is_true(rows["\\DriverUpdateHelper"].hidden)
    assert.is_false(rows["\\DriverUpdateHelper"].has_sd)
    assert.is_true(rows["\\PrinterSync"].hidden)
    assert.equal(0, rows["\\PrinterSync"].index)
  end)

  it("gives a row to a task found only in Tree or only in Tasks", function()
    local t = rows["\\OrphanTreeEntry"]
    assert.is_true(t.in_tree)
    assert.is_false(t.in_tasks)
    assert.equal(t.tree_key, t.key)
    assert.is_nil(t.actions)
    local k = rows["\\Maintenance\\UnlistedTask"]
    assert.is_false(k.in_tree)
    assert.is_true(k.in_tasks)
    assert.equal("\\Maintenance\\UnlistedTask", k.task_path)
  end)

  it("keeps a row whose Actions blob does not decode, with the raw bytes and a warning", function()
    local r = rows["\\CorruptActions"]
    assert.same({}, r.actions)
    assert.matches("exec command", r.actions_error)
    assert.equal("03000c00000041007500740068006f007200666600000000ffffff7f", r.actions_raw)
    assert.equal(1, #input.warnings)
    assert.matches("Actions does not decode", input.warnings[1])
    assert.equal("2026-10-13T02:42:30Z", r.created)
  end)

  it("tells an unregistered COM class from a registered one", function()
    assert.is_false(rows["\\Microsoft\\Windows\\Shell\\ThemesSyncTask"].actions[1].registered)
    local a = rows["\\ThemeCache Refresh"].actions[1]
    assert.is_true(a.registered)
    assert.equal("C:\\Users\\it-admin\\AppData\\Roaming\\Themes\\thmsync.dll", a.server)
  end)
end)

describe("plugin.tasks collect on the corpus's NT4 SOFTWARE", function()
  local path = corpus and (corpus .. "/aiowinreg/SOFTWARE")
  local f = path and io.open(path, "rb")
  if f then f:close() end
  it("gives zero rows and no warning: NT4 has no TaskCache", function()
    if not f then
      pending("corpus hive aiowinreg/SOFTWARE absent: skipped")
      return
    end
    local input = assert(tasks.collect({ software = assert(regf.open(path)) }))
    assert.equal(0, #input.rows)
    assert.same({}, input.warnings)
    assert.is_nil(input.taskcache)
  end)
end)
