-- The shipped policy on the real hives in HH_CORPUS (skipped where absent):
-- the rows come from the services plugin (so this runs under `hivehunt lua`),
-- the verdicts from lua/services.lua. It pins down every finding the
-- policy's own rules rate high or above on each hive, and the legitimate
-- Windows oddities that must stay below high.
local regf = require "hh.regf"
local plugin = require "plugin.services"
local services = require "services"
local policy = require "hh.policy"

local RANK = policy.RANK
local corpus = os.getenv("HH_CORPUS")

-- The policy's own rule ids (the sibling modules' set rules are judged in
-- their own specs).
local OWN = {}
for _, id in ipairs {
  "path-user-writable", "path-programdata", "path-windows-root", "svchost-dll-outside-system32",
  "svchost-group-unknown", "svchost-group-nonmember", "objectname-nonstandard", "name-random",
  "binary-impersonation", "interpreter-command", "security-service-disabled", "known-tool",
  "unquoted-path", "failure-command", "driver-outside-drivers",
} do OWN[id] = true end

local function corpus_file(rel)
  if not corpus then return nil end
  local path = corpus .. "/" .. rel
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  return path
end

local function hunt(path)
  local hive = assert(regf.open(path))
  local input = assert(plugin.collect(hive))
  local warnings = {}
  local findings = services.evaluate(input, { warn = function(m) warnings[#warnings + 1] = m end })
  return findings, input, warnings
end

-- "service/control set/rule" of every own-rule finding at high or above
local function high_own(findings)
  local out = {}
  for _, f in ipairs(findings) do
    if OWN[f.rule] and RANK[f.severity] >= RANK.high then
      out[#out + 1] = f.service .. "/" .. f.control_set .. "/" .. f.rule
    end
  end
  table.sort(out)
  return out
end

local function worst(findings, name)
  local w
  for _, f in ipairs(findings) do
    if f.service == name and (w == nil or RANK[f.severity] > RANK[w]) then w = f.severity end
  end
  return w
end

local function rules_of(findings, name, set)
  local out = {}
  for _, f in ipairs(findings) do
    if f.service == name and (set == nil or f.control_set == set) then out[f.rule] = f end
  end
  return out
end

local function on(rel, title, body)
  local path = corpus_file(rel)
  describe(title .. " (" .. rel .. ")", function()
    if not path then
      pending("corpus hive " .. rel .. " absent (HH_CORPUS=" .. tostring(corpus) .. "): skipped")
      return
    end
    local findings, input, warnings
    setup(function() findings, input, warnings = hunt(path) end)
    body(function() return findings, input, warnings end)
  end)
end

local function below_high(get, name)
  local w = worst((get()), name)
  assert.is_true(w == nil or RANK[w] < RANK.high, name .. " rated " .. tostring(w))
end

on("regipy/SYSTEM", "Windows 7 workstation", function(get)
  it("reports PSEXESVC at medium or above, for PsExec and for its place in C:\\Windows", function()
    local r = rules_of(get(), "PSEXESVC", "ControlSet001")
    assert.is_table(r["known-tool"])
    assert.is_table(r["path-windows-root"])
    assert.equal([[c:\windows\psexesvc.exe]], r["path-windows-root"].evidence.normalized)
    assert.is_true(RANK[worst(get(), "PSEXESVC")] >= RANK.medium)
  end)

  it("rates only PSEXESVC high among its own rules", function()
    assert.same({
      "PSEXESVC/ControlSet001/known-tool", "PSEXESVC/ControlSet001/path-windows-root",
      "PSEXESVC/ControlSet002/known-tool", "PSEXESVC/ControlSet002/path-windows-root",
    }, high_own(get()))
  end)

  it("keeps WinDefend's ServiceDll under Program Files below high (allowlisted)", function()
    local row
    for _, r in ipairs(select(2, get()).rows) do
      if r.name == "WinDefend" and r.control_set == "ControlSet001" then row = r end
    end
    -- the shape the rule judges, so only the allow entry keeps it quiet
    assert.equal([[%ProgramFiles%\Windows Defender\mpsvc.dll]], row.service_dll)
    assert.equal(0x20, row.type)
    assert.is_nil(rules_of(get(), "WinDefend")["svchost-dll-outside-system32"])
    below_high(get, "WinDefend")
  end)

  it("keeps the COM+ dllhost service and F-Response below high", function()
    below_high(get, "COMSysApp")
    below_high(get, "FResponse Service")
  end)

  it("flags the Mnemosyne driver outside System32\\drivers, below high", function()
    assert.is_table(rules_of(get(), "Mnemosyne", "ControlSet001")["driver-outside-drivers"])
    below_high(get, "Mnemosyne")
  end)

  it("says once that svchost group rules need SOFTWARE", function()
    local _, _, warnings = get()
    local n = 0
    for _, w in ipairs(warnings) do if w:find("svchost", 1, true) then n = n + 1 end end
    assert.equal(1, n)
  end)
end)

on("regipy/SYSTEM_B", "Windows 10", function(get)
  it("keeps Defender's random-looking driver under ProgramData below high", function()
    local found = false
    for _, r in ipairs(select(2, get()).rows) do
      if r.name:match("^MpKsl") then
        found = true
        below_high(get, r.name)
      end
    end
    assert.is_true(found, "no MpKsl* driver in the hive")
  end)

  it("keeps the NVIDIA container, Defender and per-user instances below high", function()
    below_high(get, "NVDisplay.ContainerLocalSystem")
    below_high(get, "WinDefend")
    below_high(get, "WdNisSvc")
    local n = 0
    for _, r in ipairs(select(2, get()).rows) do
      if r.name:match("_%x%x%x%x%x$") and r.type and r.type & 0x80 ~= 0 then
        n = n + 1
        below_high(get, r.name)
      end
    end
    assert.is_true(n > 0, "no per-user service instance in the hive")
  end)

  it("rates only the AccessData driver loaded from a user's Temp high among its own rules", function()
    assert.same({
      "ad_driver/ControlSet001/path-user-writable",
    }, high_own(get()))
    local e = rules_of(get(), "ad_driver")["path-user-writable"].evidence
    assert.equal("jcloudy", e.profile)
    assert.equal([[appdata\local\temp]], e.within)
  end)
end)

on("winevt-kb/SYSTEM_XP", "Windows XP", function(get)
  it("keeps helpsvc's ServiceDll under PCHealth below high (allowlisted)", function()
    local row
    for _, r in ipairs(select(2, get()).rows) do
      if r.name == "helpsvc" and r.control_set == "ControlSet001" then row = r end
    end
    assert.equal([[%WINDIR%\PCHealth\HelpCtr\Binaries\pchsvc.dll]], row.service_dll)
    assert.is_nil(rules_of(get(), "helpsvc")["svchost-dll-outside-system32"])
    below_high(get, "helpsvc")
  end)

  it("rates nothing high among its own rules", function()
    assert.same({}, high_own(get()))
  end)
end)

on("regipy/corrupted_system_hive", "Windows XP with a damaged bin", function(get)
  -- a rootkit sample's driver loaded from a malware analyst's desktop: a true
  -- positive, and the only thing rated high on this hive
  it("rates only msdirectx, loaded from a user's Desktop, high among its own rules", function()
    assert.same({
      "msdirectx/ControlSet001/path-user-writable",
    }, high_own(get()))
    local e = rules_of(get(), "msdirectx")["path-user-writable"].evidence
    assert.equal([[c:\documents and settings]], e.matched)
    assert.equal([[desktop\exe]], e.within)
  end)
end)

on("aiowinreg/SYSTEM", "Windows NT 4", function(get)
  it("rates nothing high among its own rules", function()
    assert.same({}, high_own(get()))
  end)
end)
