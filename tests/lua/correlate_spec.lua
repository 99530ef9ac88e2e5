-- lua/correlate.lua on rows as plugins hand them over: services rows and
-- other plugins' rows (tasks' actions, autoruns' binary, any plugin's
-- binary/launches); one binary, many spellings, one finding.
local correlate = require "correlate"

local function svc(name, image, extra)
  local r = { name = name, image_path = image, key = "ControlSet001\\Services\\" .. name, hive = "SYSTEM",
              current = true, last_write = "2026-11-02T03:14:00Z" }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local function run(previous, findings)
  return correlate.evaluate({ plugin = "correlate", rows = {}, previous = previous, findings = findings or {} }, {})
end

describe("correlate", function()
  it("sees one binary in a service, a task and a Run value however each spells it", function()
    local out = run {
      services = { svc("IntelGfxHelper", "%ProgramData%\\Intel\\x.exe"), svc("Spooler", "%SystemRoot%\\System32\\spoolsv.exe") },
      tasks = { { name = "\\IntelUpdate", key = "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tasks\\{1}",
                  hive = "SOFTWARE", actions = { { type = "exec", command = "\\??\\C:\\PROGRA~3\\Intel\\X.EXE", arguments = "-q" },
                                                 { type = "com", clsid = "{0}" } } } },
      autoruns = { { name = "Intel", key = "Software\\Microsoft\\Windows\\CurrentVersion\\Run", value = "Intel",
                     hive = "NTUSER.DAT", user = "alice", location = "HKCU Run", binary = "C:\\ProgramData\\Intel\\x.exe",
                     command = "\"C:\\ProgramData\\Intel\\x.exe\" /tray" } },
    }
    assert.are.equal(1, #out)
    local f = out[1]
    assert.are.equal("persistence-multiple-mechanisms", f.rule)
    assert.are.equal("high", f.severity)
    assert.are.equal("c:\\programdata\\intel\\x.exe", f.evidence.binary)
    assert.are.equal(3, #f.evidence.mechanisms)
    local by = {}
    for _, m in ipairs(f.evidence.mechanisms) do by[m.plugin] = m end
    assert.are.equal("ImagePath", by.services.value)
    assert.are.equal("ControlSet001\\Services\\IntelGfxHelper", by.services.key)
    assert.are.equal("alice", by.autoruns.user)
    assert.are.equal("Intel", by.autoruns.value)
    assert.truthy(by.tasks.key:find("TaskCache", 1, true))
    assert.truthy(f.technique:find("T1543.003", 1, true) and f.technique:find("T1053.005", 1, true))
  end)

  it("reads any other plugin through row.binary or row.launches", function()
    local out = run {
      services = { svc("Evil", "\"C:\\Users\\Public\\e.exe\" -k") },
      myplugin = { { key = "X", value = "Debugger", hive = "SOFTWARE", launches = { "c:\\users\\public\\E.EXE /x" } } },
    }
    assert.are.equal(1, #out)
    assert.are.equal("c:\\users\\public\\e.exe", out[1].binary)
  end)

  it("maps a user hive's %USERPROFILE% to that user's profile", function()
    local out = run {
      services = { svc("Upd", "C:\\Users\\bob\\AppData\\Roaming\\u.exe") },
      userrun = { { key = "Run", value = "u", hive = "bob.dat", user = "bob", launches = "%USERPROFILE%\\AppData\\Roaming\\u.exe" } },
    }
    assert.are.equal(1, #out)
    local none = run {
      services = { svc("Upd", "C:\\Users\\bob\\AppData\\Roaming\\u.exe") },
      userrun = { { key = "Run", value = "u", hive = "carol.dat", user = "carol", launches = "%USERPROFILE%\\AppData\\Roaming\\u.exe" } },
    }
    assert.are.equal(0, #none)
  end)

  it("stays silent on one mechanism, on svchost hosting, and on vendor software nothing flagged", function()
    assert.are.equal(0, #run { services = { svc("A", "C:\\ProgramData\\a.exe"), svc("B", "C:\\ProgramData\\a.exe") } })
    local vendor = {
      services = { svc("gupdate", "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc"),
                   svc("Netman", "%SystemRoot%\\System32\\svchost.exe -k netsvcs", { service_dll = "%SystemRoot%\\System32\\netman.dll" }) },
      tasks = { { key = "T1", hive = "SOFTWARE", actions = { { type = "exec", command = "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" } } },
                { key = "T2", hive = "SOFTWARE", actions = { { type = "exec", command = "%SystemRoot%\\System32\\svchost.exe" } } } },
    }
    assert.are.equal(0, #run(vendor))
    -- the same vendor binary, once a plugin's rules flag one of its entries, counts and is raised
    local out = run(vendor, { tasks = { { rule = "x", severity = "critical", score = 12, key = "T1", hive = "SOFTWARE" } } })
    assert.are.equal(1, #out)
    assert.are.equal("critical", out[1].severity)
    assert.are.same({ "x" }, out[1].evidence.mechanisms[2].flagged_by)
  end)

  it("takes extractors for new plugins from a local layer", function()
    local mine = correlate.extend { extractors = { ifeo = { technique = "T1546.012", entries = function(row)
      return { { binary = row.debugger:lower(), command = row.debugger, value = "Debugger" } } end } } }
    local out = mine.evaluate({ previous = {
      services = { svc("S", "C:\\Temp\\d.exe") },
      ifeo = { { key = "IFEO\\sethc.exe", hive = "SOFTWARE", debugger = "C:\\Temp\\d.exe" } } }, findings = {} }, {})
    assert.are.equal(1, #out)
    assert.truthy(out[1].technique:find("T1546.012", 1, true))
  end)
end)
