local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")
local rule = H.rules("hh.rules.controlset")["controlset-mismatch"]

local T0 = "2019-03-01T10:00:00Z"

-- The same services in the given set.
local function services(set)
  return {
    H.row { set = set, name = "Alpha", image_path = [[C:\Windows\System32\alpha.exe]], start = 2, object_name = "LocalSystem", last_write = T0 },
    H.row { set = set, name = "Beta", image_path = [[%SystemRoot%\System32\svchost.exe -k netsvcs]], type = 0x20, start = 2,
            service_dll = [[%SystemRoot%\System32\beta.dll]], object_name = "LocalSystem", last_write = T0,
            parameters_last_write = T0 },
    H.row { set = set, name = "gamma", image_path = [[system32\drivers\gamma.sys]], type = 1, start = 3, last_write = T0 },
    H.row { set = set, name = "WinDefend", image_path = [["C:\Program Files\Windows Defender\MsMpEng.exe"]], start = 2, last_write = T0 },
    H.row { set = set, name = "Untouched", image_path = [[C:\Windows\System32\untouched.exe]], start = 3, last_write = T0 },
  }
end

-- Rows of ControlSet001 (current) and ControlSet002, after edit(m1, m2) on
-- the two sets' rows by name.
local function hive(edit, extra)
  local one, two = services(1), services(2)
  local m1, m2 = {}, {}
  for _, r in ipairs(one) do m1[r.name] = r end
  for _, r in ipairs(two) do m2[r.name] = r end
  if edit then edit(m1, m2) end
  local rows = {}
  for _, set in ipairs { one, two } do
    for _, r in ipairs(set) do
      if not r.drop then rows[#rows + 1] = r end
    end
  end
  for _, r in ipairs(extra or {}) do rows[#rows + 1] = r end
  return H.input(rows, {
    current_control_set = "ControlSet001", control_sets = { "ControlSet001", "ControlSet002" },
    select = { current = 1, default = 1, last_known_good = 2, failed = 0 },
  })
end

local function only(hits)
  assert.equals(1, #hits)
  return hits[1]
end

describe("controlset-mismatch", function()
  it("meets the set-rule contract", function()
    H.check_contract(rule)
  end)

  it("reports nothing when the sets agree", function()
    local _, hits = H.run(rule, hive())
    assert.same({}, hits)
  end)

  it("reports nothing with a single control set", function()
    local _, hits = H.run(rule, H.input(services(1), { current_control_set = "ControlSet001" }))
    assert.same({}, hits)
  end)

  it("presence: a driver only in the current set is low, on the current row", function()
    local drv = H.row { set = 1, name = "newdrv", image_path = [[\SystemRoot\System32\drivers\newdrv.sys]], type = 1, start = 1 }
    local _, hits = H.run(rule, hive(nil, { drv }))
    local h = only(hits)
    assert.equals(drv, h.row)
    assert.equals("low", h.severity)
    assert.equals("presence", h.evidence.difference)
    assert.same({ "ControlSet001" }, h.evidence.present_in)
    assert.same({ "ControlSet002" }, h.evidence.absent_from)
    assert.equals("current,default", h.evidence.set_role)
    assert.truthy(h.message:find("present in ControlSet001 (current) but not in ControlSet002", 1, true))
  end)

  it("presence: an auto-start Win32 service only in the current set is medium", function()
    local svc = H.row { set = 1, name = "Updater", image_path = [[C:\ProgramData\u.exe]], type = 0x10, start = 2 }
    local _, hits = H.run(rule, hive(nil, { svc }))
    assert.equals("medium", only(hits).severity)
  end)

  it("presence: a service missing from the current set is reported on the set that has it", function()
    local _, hits = H.run(rule, hive(function(m1) m1.Alpha.drop = true end))
    local h = only(hits)
    assert.equals("ControlSet002", h.row.control_set)
    assert.equals("Alpha", h.row.name)
    assert.equals("low", h.severity)
    assert.same({ "ControlSet001" }, h.evidence.absent_from)
    assert.truthy(h.message:find("absent from the current set ControlSet001", 1, true))
  end)

  it("presence: a security product missing from the current set is medium", function()
    local _, hits = H.run(rule, hive(function(m1) m1.WinDefend.drop = true end))
    local h = only(hits)
    assert.equals("ControlSet002", h.row.control_set)
    assert.equals("medium", h.severity)
  end)

  it("matches names case-insensitively across sets", function()
    local _, hits = H.run(rule, hive(function(_, m2) m2.Alpha.name = "ALPHA" end))
    assert.same({}, hits)
  end)

  it("Start: enabled at boot in the current set only is medium, with both sets and values", function()
    local by, hits = H.run(rule, hive(function(m1, m2) m1.gamma.start = 2 end))
    local h = only(hits)
    assert.equals("gamma", h.row.name)
    assert.equals("ControlSet001", h.row.control_set)
    assert.equals("medium", h.severity)
    local e = h.evidence
    assert.equals("Start", e.difference)
    assert.equals("ControlSet001", e.set); assert.equals(2, e.value)
    assert.equals("ControlSet002", e.other_set); assert.equals(3, e.other_value)
    assert.equals("last_known_good", e.other_role)
    assert.truthy(h.message:find("ControlSet001 2 vs ControlSet002 3", 1, true))
  end)

  it("Start: a security product disabled in the current set only is high; other moves low", function()
    local by = H.run(rule, hive(function(m1) m1.WinDefend.start = 4; m1.Alpha.start = 3 end))
    assert.equals("high", only(by.WinDefend).severity)
    assert.equals("low", only(by.Alpha).severity)
  end)

  it("Type", function()
    local h = only(select(2, H.run(rule, hive(function(m1) m1.Beta.type = 0x10 end))))
    assert.equals("Type", h.evidence.difference)
    assert.equals(0x10, h.evidence.value)
    assert.equals(0x20, h.evidence.other_value)
    assert.equals("medium", h.severity)
  end)

  it("ImagePath: a different binary is medium, other arguments low, another spelling nothing", function()
    local h = only(select(2, H.run(rule, hive(function(m1) m1.Alpha.image_path = [[C:\Users\Public\alpha.exe]] end))))
    assert.equals("ImagePath", h.evidence.difference)
    assert.equals([[C:\Users\Public\alpha.exe]], h.evidence.value)
    assert.equals([[C:\Windows\System32\alpha.exe]], h.evidence.other_value)
    assert.equals("medium", h.severity)

    h = only(select(2, H.run(rule, hive(function(m1) m1.Beta.image_path = [[%SystemRoot%\System32\svchost.exe -k other]] end))))
    assert.equals("low", h.severity)

    local _, hits = H.run(rule, hive(function(m1, m2)
      m2.Alpha.image_path = [[%SystemRoot%\system32\ALPHA.exe]]
      m2.gamma.image_path = [[\SystemRoot\System32\drivers\gamma.sys]]
    end))
    assert.same({}, hits)
  end)

  it("ServiceDll: medium, with both Parameters key times; spelling alone is nothing", function()
    local h = only(select(2, H.run(rule, hive(function(m1)
      m1.Beta.service_dll = [[C:\ProgramData\beta.dll]]
      m1.Beta.parameters_last_write = "2021-01-01T00:00:00Z"
    end))))
    assert.equals("ServiceDll", h.evidence.difference)
    assert.equals([[C:\ProgramData\beta.dll]], h.evidence.value)
    assert.equals([[%SystemRoot%\System32\beta.dll]], h.evidence.other_value)
    assert.equals("2021-01-01T00:00:00Z", h.evidence.parameters_last_write)
    assert.equals(T0, h.evidence.other_parameters_last_write)
    assert.equals("medium", h.severity)

    local _, hits = H.run(rule, hive(function(_, m2) m2.Beta.service_dll = [[C:\WINDOWS\system32\beta.dll]] end))
    assert.same({}, hits)
  end)

  it("ObjectName", function()
    local h = only(select(2, H.run(rule, hive(function(m1) m1.Alpha.object_name = [[.\svcadmin]] end))))
    assert.equals("ObjectName", h.evidence.difference)
    assert.equals("medium", h.severity)
    local _, hits = H.run(rule, hive(function(m1) m1.Alpha.object_name = "localsystem" end))
    assert.same({}, hits)
  end)

  it("one finding per service per difference", function()
    local by = H.run(rule, hive(function(m1)
      m1.Alpha.start = 4; m1.Alpha.image_path = [[C:\x\alpha.exe]]; m1.Alpha.object_name = "evil"
    end))
    local kinds = {}
    for _, h in ipairs(by.Alpha) do kinds[#kinds + 1] = h.evidence.difference end
    table.sort(kinds)
    assert.same({ "ImagePath", "ObjectName", "Start" }, kinds)
    assert.is_nil(by.Untouched)
  end)

  it("with three sets, one finding lists every set that differs", function()
    local input = hive(function(m1) m1.Alpha.image_path = [[C:\x\alpha.exe]] end)
    for _, r in ipairs(services(3)) do input.rows[#input.rows + 1] = r end
    local h = only(select(2, H.run(rule, input)))
    assert.equals(2, #h.evidence.others)
    assert.equals("ControlSet002", h.evidence.others[1].set)
    assert.equals("ControlSet003", h.evidence.others[2].set)
    assert.truthy(h.message:find("ControlSet003", 1, true))
  end)

  it("uses Select's current set as the reference", function()
    local input = hive(function(_, m2) m2.Alpha.image_path = [[C:\x\alpha.exe]] end)
    input.current_control_set = "ControlSet002"
    for _, r in ipairs(input.rows) do r.current = r.control_set == "ControlSet002" end
    local h = only(select(2, H.run(rule, input)))
    assert.equals("ControlSet002", h.row.control_set)
    assert.equals("ControlSet001", h.evidence.other_set)
  end)

  it("ignores recovered (deleted) keys", function()
    local ghost = H.row { set = 1, name = "Ghost", image_path = [[C:\g.exe]], recovered = true }
    local old_alpha = H.row { set = 2, name = "Alpha", image_path = [[C:\old.exe]], recovered = true }
    local _, hits = H.run(rule, hive(nil, { ghost, old_alpha }))
    assert.same({}, hits)
  end)

  it("does not treat a declared set without rows as missing every service", function()
    local input = H.input(services(1), { current_control_set = "ControlSet001",
      control_sets = { "ControlSet001", "ControlSet002" } })
    local _, hits = H.run(rule, input)
    assert.same({}, hits)
  end)
end)
