-- Specs for the services policy's per-run sharing of facts between rows
-- with the same inputs (the control sets are near-copies): sharing must
-- never change a verdict, only how often one is computed.
local services = require "services"

local function svc(t)
  local r = {
    name = "Foo", control_set = "ControlSet001", control_set_number = 1, current = true,
    type = 0x10, type_name = "own_process", start = 2, start_name = "auto",
    object_name = "LocalSystem", image_path = [["C:\Program Files\Vendor\foo.exe"]],
    last_write = "2020-01-01T00:00:00Z", last_write_epoch = 1577836800,
  }
  for k, v in pairs(t or {}) do r[k] = v end
  r.key = r.control_set .. "\\Services\\" .. r.name
  return r
end

local function run(rows)
  return services.evaluate({ plugin = "services", rows = rows, args = {} }, { warn = function() end })
end

-- The per-row rules that fired in one control set (the set rules compare
-- control sets with each other and are not what is under test here).
local SET_RULES = { ["controlset-mismatch"] = true, ["lastwrite-cluster"] = true }
local function rules_of(findings, control_set)
  local out = {}
  for _, f in ipairs(findings) do
    if f.control_set == control_set and not SET_RULES[f.rule] then out[#out + 1] = f.rule end
  end
  table.sort(out)
  return table.concat(out, ",")
end

describe("rows sharing facts", function()
  it("judge a hit in every control set, each with its own evidence", function()
    local a = svc { image_path = [[C:\Users\bob\AppData\Local\Temp\x.exe]] }
    local b = svc { image_path = a.image_path, control_set = "ControlSet002", control_set_number = 2, current = false }
    local f = run { a, b }
    assert.are.equal(rules_of(f, "ControlSet001"), rules_of(f, "ControlSet002"))
    local e1, e2
    for _, x in ipairs(f) do
      if x.rule == "path-user-writable" then
        if x.control_set == "ControlSet001" then e1 = x.evidence else e2 = x.evidence end
      end
    end
    assert.is_table(e1)
    assert.is_table(e2)
    assert.are_not.equal(e1, e2)
    assert.are.same(e1, e2)
  end)

  it("still judge the fields facts do not cover (ObjectName, Start, FailureCommand)", function()
    local a = svc {}
    local b = svc { control_set = "ControlSet002", control_set_number = 2, current = false,
                    object_name = [[CORP\svc_backup]], failure_command = [[cmd.exe /c C:\x.bat]] }
    local f = run { a, b }
    assert.are.equal("", rules_of(f, "ControlSet001"))
    local two = rules_of(f, "ControlSet002")
    assert.truthy(two:find("objectname-nonstandard", 1, true))
    assert.truthy(two:find("failure-command", 1, true))
  end)

  it("do not leak a quiet verdict to a row whose inputs differ", function()
    local a = svc { name = "Foo" }
    local b = svc { name = "Foo", control_set = "ControlSet002", control_set_number = 2, current = false,
                    image_path = [[C:\Windows\Temp\foo.exe]] }
    local f = run { a, b }
    assert.are.equal("", rules_of(f, "ControlSet001"))
    assert.truthy(rules_of(f, "ControlSet002"):find("path-user-writable", 1, true))
  end)

  it("tell nil from the string 'nil' and a number from its text", function()
    local a = svc { service_dll = "nil", type = 0x20, type_name = "share_process",
                    image_path = [[%SystemRoot%\system32\svchost.exe -k netsvcs]] }
    local b = svc { service_dll = nil, type = "32", type_name = "share_process", control_set = "ControlSet002",
                    control_set_number = 2, current = false,
                    image_path = [[%SystemRoot%\system32\svchost.exe -k netsvcs]] }
    local f = run { a, b }
    -- a ServiceDll named "nil" resolves to System32\nil: not outside System32
    assert.falsy(rules_of(f, "ControlSet001"):find("svchost-dll-outside-system32", 1, true))
    assert.falsy(rules_of(f, "ControlSet002"):find("svchost-dll-outside-system32", 1, true))
  end)

  it("give the same findings as judging each row alone", function()
    local rows = {
      svc { name = "PSEXESVC", image_path = [[%SystemRoot%\PSEXESVC.EXE]] },
      svc { name = "scvhost", image_path = [[C:\ProgramData\scvhost.exe]] },
      svc { name = "xkqzvbwt", image_path = [[C:\Windows\xkqzvbwt.exe]] },
    }
    local copies = {}
    for _, r in ipairs(rows) do
      copies[#copies + 1] = r
      copies[#copies + 1] = svc { name = r.name, image_path = r.image_path, control_set = "ControlSet002",
                                  control_set_number = 2, current = false }
    end
    local together = run(copies)
    local alone = {}
    for _, r in ipairs(copies) do
      for _, x in ipairs(run { r }) do alone[#alone + 1] = x end
    end
    local function sig(list)
      local s = {}
      for _, x in ipairs(list) do s[#s + 1] = x.control_set .. "/" .. x.service .. "/" .. x.rule end
      table.sort(s)
      return table.concat(s, " ")
    end
    assert.is_true(#together > 0)
    assert.are.equal(sig(alone), sig(together))
  end)

  it("run a facts_only rule once per shared facts on a miss, once per row on a hit", function()
    local calls = {}
    local p = services.extend { rules = { {
      id = "test-facts-only", technique = "T1", severity = "low", message = "m", facts_only = true,
      match = function(row, ctx, f)
        assert.are.equal(ctx.facts(row), f)
        calls[row.name] = (calls[row.name] or 0) + 1
        if row.name == "Hit" then return { name = row.name } end
        return nil
      end } } }
    local rows = {}
    for _, name in ipairs { "Quiet", "Hit" } do
      rows[#rows + 1] = svc { name = name }
      rows[#rows + 1] = svc { name = name, control_set = "ControlSet002", control_set_number = 2, current = false }
    end
    local f = p.evaluate({ plugin = "services", rows = rows, args = {} }, { warn = function() end })
    assert.are.equal(1, calls.Quiet)
    assert.are.equal(2, calls.Hit)
    local hits = {}
    for _, x in ipairs(f) do
      if x.rule == "test-facts-only" then hits[#hits + 1] = x end
    end
    assert.are.equal(2, #hits)
    assert.are_not.equal(hits[1].evidence, hits[2].evidence)
  end)

  it("stop judging a facts group at its first miss, in row order", function()
    local seen = {}
    local p = services.extend { rules = { {
      id = "test-facts-only", technique = "T1", severity = "low", message = "m", facts_only = true,
      match = function(row)
        seen[#seen + 1] = row.control_set
        -- (a rule that is not truly facts-only: the runner trusts the flag)
        if row.control_set == "ControlSet002" then return nil end
        return {}
      end } } }
    local rows = {}
    for n = 1, 3 do
      rows[n] = svc { control_set = "ControlSet00" .. n, control_set_number = n, current = n == 1 }
    end
    local f = p.evaluate({ plugin = "services", rows = rows, args = {} }, { warn = function() end })
    assert.are.equal("ControlSet001 ControlSet002", table.concat(seen, " "))
    local sets = {}
    for _, x in ipairs(f) do
      if x.rule == "test-facts-only" then sets[#sets + 1] = x.control_set end
    end
    assert.are.equal("ControlSet001", table.concat(sets, " "))
  end)

  it("check facts_only when a rule is defined", function()
    local bad = {
      { { facts_only = "yes", match = function() end }, ".facts_only must be a boolean" },
      { { facts_only = true, evaluate = function() return {} end }, ".facts_only applies to a per-row rule" },
    }
    for _, case in ipairs(bad) do
      local r = { id = "test-bad", technique = "T1", severity = "low", message = "m" }
      for k, v in pairs(case[1]) do r[k] = v end
      local ok, err = pcall(services.extend, { rules = { r } })
      assert.is_false(ok)
      assert.truthy(tostring(err):find(case[2], 1, true), err)
    end
  end)
end)
