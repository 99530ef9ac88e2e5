local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")
local json = require "hh.json"
local R = H.rules("hh.rules.baseline")

local IDS = {
  "baseline-added", "baseline-removed", "baseline-imagepath-changed", "baseline-servicedll-changed",
  "baseline-start-changed", "baseline-objectname-changed", "baseline-type-changed", "baseline-value-changed",
}

local T0 = "2019-03-01T10:00:00Z"

-- The golden image's current set.
local function golden()
  return {
    H.row { name = "Alpha", image_path = [[C:\Windows\System32\alpha.exe -svc]], start = 2, object_name = "LocalSystem", last_write = T0 },
    H.row { name = "Beta", image_path = [[%SystemRoot%\System32\svchost.exe -k netsvcs]], type = 0x20, start = 2,
            service_dll = [[%SystemRoot%\System32\beta.dll]], service_dll_source = "Parameters",
            object_name = "LocalSystem", last_write = T0, parameters_last_write = T0 },
    H.row { name = "gamma", image_path = [[system32\drivers\gamma.sys]], type = 1, start = 3, last_write = T0 },
    H.row { name = "WinDefend", image_path = [["C:\Program Files\Windows Defender\MsMpEng.exe"]], start = 2,
            object_name = "LocalSystem", last_write = T0 },
    H.row { name = "Dormant", image_path = [[C:\Windows\System32\dormant.exe]], start = 4, last_write = T0 },
    H.row { name = "Manual", image_path = [[C:\Windows\System32\manual.exe]], start = 3, object_name = "NT AUTHORITY\\LocalService", last_write = T0 },
    H.row { name = "Shared", image_path = [[%SystemRoot%\System32\svchost.exe -k LocalService]], type = 0x20, start = 3,
            service_dll = [[C:\Windows\System32\shared.dll]], last_write = T0 },
    H.row { name = "Valued", image_path = [[C:\Windows\System32\valued.exe]], start = 3, last_write = T0,
            extra_values = { Description = { type = "REG_SZ", data = "old text" },
                             Group = { type = "REG_SZ", data = "NetworkProvider" },
                             DependOnService = { type = "REG_MULTI_SZ", data = { "RpcSs", "Tcpip" } },
                             FailureActions = { type = "REG_BINARY", data = "80510100000000" } } },
    H.row { name = "Removed", image_path = [[C:\Windows\System32\removed.exe]], start = 3, last_write = T0 },
    H.row { name = "Sysmon64", image_path = [[C:\Windows\Sysmon64.exe]], start = 2, last_write = T0 },
    H.row { name = "Untouched", image_path = [[C:\Windows\System32\untouched.exe]], start = 3, last_write = T0 },
  }
end

local function by_name(rows)
  local m = {}
  for _, r in ipairs(rows) do m[r.name] = r end
  return m
end

-- The evidence hive: a copy of the golden with planted changes.
local function compromised()
  local rows = H.copy(golden())
  local m = by_name(rows)
  local later, later_epoch = "2021-06-01T03:00:00Z", 1622516400
  local function touch(r) r.last_write, r.last_write_epoch = later, later_epoch end
  -- ImagePath repointed; LastWrite deliberately left as it was (timestomped).
  m.Alpha.image_path = [[C:\ProgramData\alpha.exe -svc]]
  m.Alpha.values.ImagePath.data = m.Alpha.image_path
  -- ServiceDll swap, only the Parameters key touched.
  m.Beta.service_dll = [[C:\Users\Public\beta.dll]]
  m.Beta.parameters_last_write, m.Beta.parameters_last_write_epoch = later, later_epoch
  -- Dormant service turned into boot persistence.
  m.Dormant.start = 2; m.Dormant.values.Start.data = 2; touch(m.Dormant)
  -- Defender disabled.
  m.WinDefend.start = 4; m.WinDefend.values.Start.data = 4; touch(m.WinDefend)
  -- Run-as account changed.
  m.Manual.object_name = [[.\backdoor]]; m.Manual.values.ObjectName.data = m.Manual.object_name; touch(m.Manual)
  -- Shared-process service made own-process.
  m.Shared.type = 0x10; m.Shared.values.Type.data = 0x10; touch(m.Shared)
  -- Other values: a recovery program added, a description changed, a group removed.
  m.Valued.values.FailureCommand = { type = "REG_SZ", data = [[C:\Temp\x.exe]] }
  m.Valued.values.Description.data = "new text"
  m.Valued.values.Group = nil
  touch(m.Valued)
  -- Sysmon removed; "Removed" removed.
  local out = {}
  for _, r in ipairs(rows) do
    if r.name ~= "Removed" and r.name ~= "Sysmon64" then out[#out + 1] = r end
  end
  -- A new service.
  out[#out + 1] = H.row { name = "PSEXESVC", image_path = [[%SystemRoot%\PSEXESVC.exe]], start = 3,
                          object_name = "LocalSystem", last_write = later }
  return out
end

local function run_all(input)
  local all = {}
  for _, id in ipairs(IDS) do
    local _, hits = H.run(R[id], input)
    all[id] = hits
  end
  return all
end

local function names(hits)
  local s = {}
  for _, h in ipairs(hits) do s[#s + 1] = h.row.name end
  table.sort(s)
  return s
end

describe("baseline rules", function()
  local input, results

  before_each(function()
    input = H.input(compromised(), { baseline = { rows = golden(), source = "golden.jsonl" } })
    results = run_all(input)
  end)

  it("meet the set-rule contract and cover every id", function()
    for _, id in ipairs(IDS) do
      assert.is_table(R[id], id)
      H.check_contract(R[id])
    end
  end)

  it("are silent without a baseline", function()
    local plain = run_all(H.input(compromised()))
    for _, id in ipairs(IDS) do assert.same({}, plain[id], id) end
  end)

  it("skip an empty baseline with one warning instead of calling everything added", function()
    local warned = {}
    local ctx = { warn_once = function(key, msg) warned[key] = msg end }
    for _, id in ipairs(IDS) do
      assert.same({}, R[id].evaluate(H.input(compromised(), { baseline = { rows = {}, source = "empty.jsonl" } }), ctx), id)
    end
    assert.truthy(warned["baseline-empty"]:find("empty.jsonl", 1, true))
  end)

  it("report nothing for an identical hive", function()
    local same = run_all(H.input(golden(), { baseline = { rows = golden() } }))
    for _, id in ipairs(IDS) do assert.same({}, same[id], id) end
  end)

  it("never report an untouched service, whatever the rule", function()
    for _, id in ipairs(IDS) do
      for _, h in ipairs(results[id]) do
        assert.are_not.equal("Untouched", h.row.name, id)
        assert.are_not.equal("gamma", h.row.name, id)
      end
    end
  end)

  it("baseline-added: a service the golden lacks", function()
    assert.same({ "PSEXESVC" }, names(results["baseline-added"]))
    local e = results["baseline-added"][1].evidence
    assert.equals("golden.jsonl", e.baseline)
    assert.equals("ControlSet001", e.control_set)
    assert.equals([[%SystemRoot%\PSEXESVC.exe]], e.image_path)
  end)

  it("baseline-added: names match case-insensitively", function()
    local rows = golden()
    rows[1].name = "ALPHA"
    local _, hits = H.run(R["baseline-added"], H.input(rows, { baseline = { rows = golden() } }))
    assert.same({}, hits)
  end)

  it("match per-user service instances by template, whatever their suffix", function()
    local base = golden()
    base[#base + 1] = H.row { name = "CDPUserSvc_1a2b3c", type = 0xE0, start = 2,
                              image_path = [[C:\Windows\system32\svchost.exe -k UnistackSvcGroup]] }
    base[#base + 1] = H.row { name = "CDPUserSvc_77aa1", type = 0xE0, start = 2,
                              image_path = [[C:\Windows\system32\svchost.exe -k UnistackSvcGroup]] }
    local rows = golden()
    rows[#rows + 1] = H.row { name = "CDPUserSvc_9f8e7d", type = 0xE0, start = 2,
                              image_path = [[C:\Windows\system32\svchost.exe -k UnistackSvcGroup]] }
    rows[#rows + 1] = H.row { name = "CDPUserSvc_abc12", type = 0xE0, start = 2,
                              image_path = [[C:\Windows\Temp\cdp.exe]] }
    -- a name that merely ends in hex is not an instance without the type bit
    rows[#rows + 1] = H.row { name = "Backup_beef", type = 0x10, image_path = [[C:\b.exe]] }
    local all = run_all(H.input(rows, { baseline = { rows = base } }))
    assert.same({ "Backup_beef" }, names(all["baseline-added"]))
    assert.same({}, all["baseline-removed"])
    -- instances pair in name order: 1a2b3c with 9f8e7d, 77aa1 with abc12
    assert.same({ "CDPUserSvc_abc12" }, names(all["baseline-imagepath-changed"]))
    -- one instance fewer than the golden: one removed
    local fewer = golden()
    fewer[#fewer + 1] = H.row { name = "CDPUserSvc_9f8e7d", type = 0xE0, start = 2,
                                image_path = [[C:\Windows\system32\svchost.exe -k UnistackSvcGroup]] }
    all = run_all(H.input(fewer, { baseline = { rows = base } }))
    assert.same({ "CDPUserSvc_77aa1" }, names(all["baseline-removed"]))
    assert.same({}, all["baseline-added"])
  end)

  it("baseline-added: a new disabled service is low", function()
    local rows = golden()
    rows[#rows + 1] = H.row { name = "Off", image_path = [[C:\x.exe]], start = 4 }
    local _, hits = H.run(R["baseline-added"], H.input(rows, { baseline = { rows = golden() } }))
    assert.equals(1, #hits)
    assert.equals("low", hits[1].severity)
  end)

  it("baseline-added: a recovered deleted key not in the baseline", function()
    local rows = golden()
    rows[#rows + 1] = H.row { name = "PSEXESVC", image_path = [[%SystemRoot%\PSEXESVC.exe]], recovered = true }
    rows[#rows + 1] = H.row { name = "Alpha", image_path = [[C:\old.exe]], recovered = true } -- an older copy of a live key
    local _, hits = H.run(R["baseline-added"], H.input(rows, { baseline = { rows = golden() } }))
    assert.same({ "PSEXESVC" }, names(hits))
    assert.is_true(hits[1].evidence.recovered)
    assert.truthy(hits[1].message:find("recovered", 1, true))
  end)

  it("baseline-removed: reported on the baseline row, security services higher", function()
    local hits = results["baseline-removed"]
    assert.same({ "Removed", "Sysmon64" }, names(hits))
    for _, h in ipairs(hits) do
      assert.is_true(h.evidence.removed)
      local golden_row = by_name(input.baseline.rows)[h.row.name]
      assert.equals(golden_row, h.row)
    end
    local m = {}
    for _, h in ipairs(hits) do m[h.row.name] = h end
    assert.equals("medium", m.Sysmon64.severity)
    assert.is_nil(m.Removed.severity) -- the rule's default (low)
  end)

  it("baseline-imagepath-changed: old and new, even with LastWrite unchanged", function()
    local hits = results["baseline-imagepath-changed"]
    assert.same({ "Alpha" }, names(hits))
    local e = hits[1].evidence
    assert.equals([[C:\Windows\System32\alpha.exe -svc]], e.old)
    assert.equals([[C:\ProgramData\alpha.exe -svc]], e.new)
    assert.is_true(e.binary_changed)
    assert.is_true(e.last_write_unchanged)
    assert.is_nil(hits[1].severity) -- high, the rule's default
    assert.equals("high", R["baseline-imagepath-changed"].severity)
  end)

  it("baseline-imagepath-changed: other arguments only is medium", function()
    local rows = golden()
    by_name(rows).Beta.image_path = [[%SystemRoot%\System32\svchost.exe -k evilgroup]]
    local _, hits = H.run(R["baseline-imagepath-changed"], H.input(rows, { baseline = { rows = golden() } }))
    assert.equals(1, #hits)
    assert.equals("medium", hits[1].severity)
    assert.is_false(hits[1].evidence.binary_changed)
    assert.is_true(hits[1].evidence.arguments_changed)
  end)

  it("a different spelling of the same path is not a change", function()
    local rows = golden()
    local m = by_name(rows)
    m.Alpha.image_path = [[%SystemRoot%\system32\ALPHA.EXE  -svc]]
    m.Beta.image_path = [[C:\Windows\System32\svchost.exe -k netsvcs]]
    m.Beta.service_dll = [[c:\windows\system32\BETA.dll]]
    m.gamma.image_path = [[\SystemRoot\System32\drivers\gamma.sys]]
    m.Manual.object_name = "nt authority\\localservice"
    local all = run_all(H.input(rows, { baseline = { rows = golden() } }))
    for _, id in ipairs { "baseline-imagepath-changed", "baseline-servicedll-changed", "baseline-objectname-changed" } do
      assert.same({}, all[id], id)
    end
  end)

  it("baseline-servicedll-changed: the svchost swap, with the Parameters key's time", function()
    local hits = results["baseline-servicedll-changed"]
    assert.same({ "Beta" }, names(hits))
    local e = hits[1].evidence
    assert.equals([[%SystemRoot%\System32\beta.dll]], e.old)
    assert.equals([[C:\Users\Public\beta.dll]], e.new)
    assert.equals("2021-06-01T03:00:00Z", e.parameters_last_write)
    assert.equals(T0, e.baseline_parameters_last_write)
    -- the service key itself was not written: still reported
    assert.is_true(e.last_write_unchanged)
    -- the ImagePath still reads svchost: not an ImagePath change
    assert.same({ "Alpha" }, names(results["baseline-imagepath-changed"]))
  end)

  it("baseline-start-changed: direction decides the severity", function()
    local hits = results["baseline-start-changed"]
    assert.same({ "Dormant", "WinDefend" }, names(hits))
    local m = {}
    for _, h in ipairs(hits) do m[h.row.name] = h end
    assert.equals("to-autostart", m.Dormant.evidence.direction)
    assert.equals(4, m.Dormant.evidence.old)
    assert.equals(2, m.Dormant.evidence.new)
    assert.equals("medium", m.Dormant.severity)
    assert.truthy(m.Dormant.message:find("4 (disabled) -> 2 (automatic)", 1, true))
    assert.equals("disabled-security", m.WinDefend.evidence.direction)
    assert.equals("high", m.WinDefend.severity)
  end)

  it("baseline-start-changed: 3 -> 2 is boot persistence; a plain disable or 2 -> 3 is low", function()
    local rows = golden()
    local m = by_name(rows)
    m.Manual.start = 2     -- 3 -> 2
    m.Alpha.start = 3      -- 2 -> 3
    m.Valued.start = 4     -- 3 -> 4, not a security product
    m.gamma.start = 0      -- driver 3 -> 0 (boot)
    local by, hits = H.run(R["baseline-start-changed"], H.input(rows, { baseline = { rows = golden() } }))
    assert.equals(4, #hits)
    assert.equals("medium", by.Manual[1].severity)
    assert.equals("to-autostart", by.Manual[1].evidence.direction)
    assert.equals("medium", by.gamma[1].severity)
    assert.equals("low", by.Alpha[1].severity)
    assert.equals("low", by.Valued[1].severity)
    assert.equals("disabled", by.Valued[1].evidence.direction)
  end)

  it("baseline-start-changed: the policy can name security services", function()
    local rows = golden()
    by_name(rows).Valued.start = 4
    local ctx = { is_security_service = function(row) return row.name == "Valued" end }
    local hits = R["baseline-start-changed"].evaluate(H.input(rows, { baseline = { rows = golden() } }), ctx)
    assert.equals("high", hits[1].severity)
  end)

  it("baseline-objectname-changed", function()
    local hits = results["baseline-objectname-changed"]
    assert.same({ "Manual" }, names(hits))
    assert.equals("NT AUTHORITY\\LocalService", hits[1].evidence.old)
    assert.equals([[.\backdoor]], hits[1].evidence.new)
    assert.is_false(hits[1].evidence.last_write_unchanged)
  end)

  it("baseline-type-changed", function()
    local hits = results["baseline-type-changed"]
    assert.same({ "Shared" }, names(hits))
    assert.equals(0x20, hits[1].evidence.old)
    assert.equals(0x10, hits[1].evidence.new)
    assert.truthy(hits[1].message:find("0x20 -> 0x10", 1, true))
  end)

  it("baseline-value-changed: every other value added, changed or removed, once", function()
    local hits = results["baseline-value-changed"]
    local seen = {}
    for _, h in ipairs(hits) do
      assert.equals("Valued", h.row.name) -- the five dedicated values are not repeated here
      seen[h.evidence.value] = h
    end
    assert.equals("added", seen.FailureCommand.evidence.change)
    assert.equals("medium", seen.FailureCommand.severity)
    assert.is_nil(seen.FailureCommand.evidence.old)
    assert.equals([[C:\Temp\x.exe]], seen.FailureCommand.evidence.new.data)
    assert.equals("changed", seen.Description.evidence.change)
    assert.equals("old text", seen.Description.evidence.old.data)
    assert.equals("new text", seen.Description.evidence.new.data)
    assert.equals("removed", seen.Group.evidence.change)
    assert.equals(3, #hits)
  end)

  it("baseline-value-changed: multi-strings, binary and type changes", function()
    local rows = golden()
    local v = by_name(rows).Valued.values
    v.DependOnService.data = { "RpcSs", "Evil" }
    v.FailureActions.data = "80510100000000" -- same bytes: no change
    v.Description.type = "REG_EXPAND_SZ"
    local by = H.run(R["baseline-value-changed"], H.input(rows, { baseline = { rows = golden() } }))
    local seen = {}
    for _, h in ipairs(by.Valued) do seen[h.evidence.value] = h end
    assert.truthy(seen.DependOnService)
    assert.truthy(seen.Description)
    assert.is_nil(seen.FailureActions)
    assert.truthy(seen.DependOnService.message:find("RpcSs|Tcpip -> RpcSs|Evil", 1, true))
  end)

  it("baseline-value-changed: binary data compares case-insensitively, FailureCommand by path", function()
    local base = golden()
    by_name(base).Valued.values.FailureCommand = { type = "REG_SZ", data = [[%SystemRoot%\System32\fix.exe /r]] }
    local rows = H.copy(base)
    local v = by_name(rows).Valued.values
    v.FailureActions.data = ("80510100000000"):upper()
    v.FailureCommand.data = [[C:\WINDOWS\system32\fix.exe /r]]
    local _, hits = H.run(R["baseline-value-changed"], H.input(rows, { baseline = { rows = base } }))
    assert.same({}, hits)
  end)

  it("baseline-value-changed: a baseline without value maps says nothing about values", function()
    local base = golden()
    for _, r in ipairs(base) do r.values = nil end
    local _, hits = H.run(R["baseline-value-changed"], H.input(compromised(), { baseline = { rows = base } }))
    assert.same({}, hits)
  end)

  it("compares the current set with the golden current set", function()
    -- The golden's current set is 002; its 001 is stale. The hive's current is 001.
    local base = {}
    for _, r in ipairs(golden()) do
      local stale = H.copy(r); stale.current = false
      stale.image_path = [[C:\stale\]] .. r.name .. ".exe"
      base[#base + 1] = stale
      local cur = H.copy(r)
      cur.control_set, cur.control_set_number, cur.current = "ControlSet002", 2, true
      base[#base + 1] = cur
    end
    local rows = golden()
    -- a non-current set of the hive that differs is not this rule's business
    for _, r in ipairs(golden()) do
      local other = H.copy(r)
      other.control_set, other.control_set_number, other.current = "ControlSet002", 2, false
      other.start = 4
      rows[#rows + 1] = other
    end
    local all = run_all(H.input(rows, { current_control_set = "ControlSet001", baseline = { rows = base } }))
    for _, id in ipairs(IDS) do assert.same({}, all[id], id) end
    -- without any current marker, the lowest-numbered sets are compared
    for _, r in ipairs(base) do r.current = nil end
    for _, r in ipairs(rows) do r.current = nil end
    all = run_all(H.input(rows, { baseline = { rows = base } }))
    assert.equals(#golden(), #all["baseline-imagepath-changed"]) -- 001 vs stale 001
  end)

  it("gives the same answers from a jsonl export of the golden", function()
    local lines = {}
    for _, r in ipairs(golden()) do lines[#lines + 1] = assert(json.encode(r)) end
    local rows = assert(json.decode_lines(table.concat(lines, "\n") .. "\n"))
    local from_jsonl = run_all(H.input(compromised(), { baseline = { rows = rows, source = "golden.jsonl" } }))
    for _, id in ipairs(IDS) do
      assert.same(names(results[id]), names(from_jsonl[id]), id)
    end
    assert.equals(3, #from_jsonl["baseline-value-changed"])
  end)
end)
