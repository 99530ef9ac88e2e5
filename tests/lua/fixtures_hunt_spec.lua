-- The shipped policy on the synthetic fixture hives (testdata/README.md says
-- what each plants): every planted case is found by its rule at medium or
-- above, nothing else of the policy's own rules reaches medium, and the clean
-- pair gives no finding above low. Rows come from the services plugin, so
-- this runs under `hivehunt lua`.
local regf = require "hh.regf"
local plugin = require "plugin.services"
local services = require "services"
local policy = require "hh.policy"

local RANK = policy.RANK
local testdata = os.getenv("HH_TESTDATA")

local OWN = {}
for _, r in ipairs(services.rules) do
  if r.match then OWN[r.id] = true end
end

local function fixture(rel)
  if not testdata then return nil end
  local path = testdata .. "/" .. rel
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  return path
end

local function hunt(rel)
  local sys = assert(regf.open(fixture(rel)))
  local soft = assert(regf.open(fixture("clean/SOFTWARE")))
  local input = assert(plugin.collect(sys, soft))
  local warnings = {}
  local findings = services.evaluate(input, { warn = function(m) warnings[#warnings + 1] = m end })
  return findings, warnings
end

-- service -> { rule -> finding } of the current control set
local function by_service(findings)
  local out = {}
  for _, f in ipairs(findings) do
    if f.current then
      out[f.service] = out[f.service] or {}
      out[f.service][f.rule] = f
    end
  end
  return out
end

-- sorted services with an own-rule finding at medium or above
local function flagged(findings)
  local set, out = {}, {}
  for _, f in ipairs(findings) do
    if OWN[f.rule] and RANK[f.severity] >= RANK.medium and not set[f.service] then
      set[f.service] = true
      out[#out + 1] = f.service
    end
  end
  table.sort(out)
  return out
end

local function on(rel, title, body)
  describe(title .. " (" .. rel .. ")", function()
    if not (fixture(rel) and fixture("clean/SOFTWARE")) then
      pending("fixture " .. rel .. " not built (HH_TESTDATA=" .. tostring(testdata) .. "): skipped")
      return
    end
    local findings, warnings
    setup(function() findings, warnings = hunt(rel) end)
    body(function() return findings, warnings end)
  end)
end

on("clean/SYSTEM", "the clean workstation", function(get)
  it("gives no finding above low, and none at all from the policy's own rules", function()
    for _, f in ipairs((get())) do
      assert.is_true(RANK[f.severity] <= RANK.low, f.service .. " " .. f.rule .. " " .. f.severity)
      assert.is_nil(OWN[f.rule], f.service .. " " .. f.rule)
    end
  end)

  it("has svchost groups, so no warning about them", function()
    local _, warnings = get()
    for _, w in ipairs(warnings) do assert.is_nil(w:find("svchost", 1, true), w) end
  end)
end)

local planted = {
  { "compromised/psexec-service", { PSEXESVC = { "known-tool", "path-user-writable" } } },
  { "compromised/imagepath-repointed", { SNMPTRAP = { "path-user-writable" } } },
  { "compromised/defender-disabled", { WinDefend = { "security-service-disabled" } } },
  { "compromised/servicedll-swap", { SessionEnv = { "svchost-dll-outside-system32" } } },
  { "compromised/svchost-group-unknown", { WinHttpProxySvc = { "svchost-group-unknown" } } },
  { "compromised/svchost-group-nonmember", { NetSetupMgr = { "svchost-group-nonmember" } } },
  { "compromised/objectname-nonstandard", { Spooler = { "objectname-nonstandard" } } },
  { "compromised/name-random", { qzvwkhmtrx = { "name-random" } } },
  { "compromised/binary-impersonation", { LsaHealthSvc = { "binary-impersonation" } } },
  { "compromised/interpreter-command", { MsCtfMonitor = { "interpreter-command" },
                                         WinTelemetrySvc = { "interpreter-command" } } },
  { "compromised/unquoted-path", { AcmeUpdater = { "unquoted-path" } } },
  { "compromised/failure-command", { SysMain = { "failure-command" } } },
  { "compromised/driver-outside-drivers", { RTCore64 = { "driver-outside-drivers" } } },
  -- PSEXESVC was deleted: it is found in unallocated cells by the raw layer.
  { "compromised/service-deleted", { PSEXESVC = { "known-tool" } } },
  { "demo/SYSTEM", { PSEXESVC = { "known-tool" },
                     MsUpdateSvc = { "binary-impersonation", "path-user-writable" },
                     SessionEnv = { "svchost-dll-outside-system32" },
                     WinDefend = { "security-service-disabled" } } },
}

for _, p in ipairs(planted) do
  local rel, expect = p[1], p[2]
  on(rel, "planted", function(get)
    it("finds every planted service with its rule at medium or above", function()
      local got = by_service((get()))
      for svc, rules in pairs(expect) do
        for _, id in ipairs(rules) do
          local f = got[svc] and got[svc][id]
          assert.is_table(f, svc .. " " .. id .. " not found")
          assert.is_true(RANK[f.severity] >= RANK.medium, svc .. " " .. id .. " only " .. f.severity)
        end
      end
    end)

    it("flags nothing else at medium or above with its own rules", function()
      local want = {}
      for svc in pairs(expect) do want[#want + 1] = svc end
      table.sort(want)
      assert.same(want, flagged((get())))
    end)
  end)
end

-- testdata/README.md's path-spellings table: own rules each service must
-- raise (nothing listed: it must raise none)
local SPELLINGS = {
  SpellSystemRoot = {}, SpellWindir = {}, SpellProgramData = { "path-programdata" },
  SpellProgramFiles = {}, SpellNtSystemRoot = {}, SpellBareSystem32 = {}, SpellDosDevice = {},
  SpellQuotedArgs = {}, SpellTempArgument = {}, SpellForwardSlash = { "path-user-writable" },
  SpellDotDotEscape = { "path-user-writable" }, SpellDotDotBenign = {}, SpellShortName = {},
  SpellShortNameTemp = { "path-user-writable" }, SpellMixedCase = {}, SpellUpperTemp = { "path-user-writable" },
  SpellPublicEnv = { "path-user-writable" }, SpellWindowsTasks = { "path-user-writable" },
  SpellNoSpaceUnquoted = {}, SpellSystem32Driver = {},
}

on("path-spellings", "every spelling of a path", function(get)
  for svc, want in pairs(SPELLINGS) do
    it(svc, function()
      local got = by_service((get()))[svc] or {}
      local ids = {}
      for id in pairs(got) do
        if OWN[id] then ids[#ids + 1] = id end
      end
      table.sort(ids)
      assert.same(want, ids)
    end)
  end
end)
