-- The diff and time rules on the fixture hives (testdata/, built into
-- $HH_TESTDATA by hh-mkhive): every compromised variant against the clean
-- baseline. Each planted change must be reported by the right rule, and
-- nothing else by any of these rules, so an untouched service is never
-- reported. Runs inside `hivehunt lua` (rows from plugin.services, the
-- policy's real input); skipped with the reason elsewhere.
local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")

local TESTDATA = os.getenv("HH_TESTDATA")
local have_plugin, plugin = pcall(require, "plugin.services")
local have_regf, regf = pcall(require, "hh.regf")

local MODULES = { "hh.rules.baseline", "hh.rules.controlset", "hh.rules.time" }

local function readable(p)
  local f = p and io.open(p, "rb")
  if f then f:close(); return true end
  return false
end

local function skip_reason(name)
  if not (have_plugin and have_regf) then return "plugin.services needs `hivehunt lua`" end
  if not readable(TESTDATA and (TESTDATA .. "/" .. name)) then
    return "fixture " .. name .. " not built (HH_TESTDATA=" .. tostring(TESTDATA) .. ")"
  end
end

local function collect(name)
  return assert(plugin.collect(assert(regf.open(TESTDATA .. "/" .. name))))
end

-- Every hit of every rule here, as sorted "rule service" lines, plus the hits.
local function run_all(input)
  local lines, hits = {}, {}
  for _, mod in ipairs(MODULES) do
    for _, rule in ipairs(require(mod)) do
      for _, h in ipairs(rule.evaluate(input, {})) do
        lines[#lines + 1] = rule.id .. " " .. h.row.name
        hits[#hits + 1] = { id = rule.id, hit = h, severity = h.severity or rule.severity }
      end
    end
  end
  table.sort(lines)
  return lines, hits
end

-- fixture -> the findings of these rules, with --baseline clean/SYSTEM.
local EXPECTED = {
  ["clean/SYSTEM"] = {},
  ["compromised/psexec-service"] = { "baseline-added PSEXESVC" },
  ["compromised/imagepath-repointed"] = { "baseline-imagepath-changed SNMPTRAP" },
  ["compromised/start-changed"] = { "baseline-start-changed RemoteRegistry" },
  ["compromised/defender-disabled"] = { "baseline-start-changed WinDefend" },
  ["compromised/servicedll-swap"] = { "baseline-servicedll-changed SessionEnv" },
  ["compromised/svchost-group-unknown"] = { "baseline-added WinHttpProxySvc" },
  ["compromised/svchost-group-nonmember"] = { "baseline-added NetSetupMgr" },
  ["compromised/objectname-nonstandard"] = { "baseline-objectname-changed Spooler" },
  ["compromised/name-random"] = { "baseline-added qzvwkhmtrx" },
  ["compromised/binary-impersonation"] = { "baseline-added LsaHealthSvc" },
  ["compromised/interpreter-command"] = { "baseline-added MsCtfMonitor", "baseline-added WinTelemetrySvc" },
  ["compromised/unquoted-path"] = { "baseline-added AcmeUpdater" },
  ["compromised/failure-command"] = { "baseline-value-changed SysMain", "baseline-value-changed SysMain" },
  ["compromised/driver-outside-drivers"] = { "baseline-added RTCore64" },
  ["compromised/controlset-mismatch"] = {
    "baseline-added WmiPerfSvc", "baseline-start-changed Fax", "controlset-mismatch Fax", "controlset-mismatch WmiPerfSvc",
  },
  ["compromised/lastwrite-cluster"] = {
    "lastwrite-cluster BITS", "lastwrite-cluster Dhcp", "lastwrite-cluster Dnscache", "lastwrite-cluster SENS",
    "lastwrite-cluster Schedule", "lastwrite-cluster Spooler", "lastwrite-cluster Themes", "lastwrite-cluster TrkWks",
    "lastwrite-cluster VSS", "lastwrite-cluster W32Time", "lastwrite-cluster iphlpsvc", "lastwrite-cluster nsi",
  },
  ["compromised/dirty"] = {},
  ["compromised/service-deleted"] = { "baseline-added PSEXESVC" }, -- the recovered deleted key
  ["demo/SYSTEM"] = {
    "baseline-added MsUpdateSvc", "baseline-added PSEXESVC", "baseline-servicedll-changed SessionEnv",
    "baseline-start-changed RemoteRegistry",
    "baseline-start-changed WinDefend",
    "lastwrite-cluster MsUpdateSvc", "lastwrite-cluster SessionEnv", "lastwrite-cluster WinDefend",
  },
}

-- Details worth pinning beyond rule and service.
local CHECKS = {
  ["compromised/start-changed"] = function(hits)
    local e = hits[1].hit.evidence
    assert.equals(4, e.old); assert.equals(2, e.new)
    assert.equals("to-autostart", e.direction)
    assert.is_true(e.last_write_unchanged) -- the planted change did not move LastWrite
    assert.equals("medium", hits[1].severity)
  end,
  ["compromised/defender-disabled"] = function(hits)
    assert.equals("disabled-security", hits[1].hit.evidence.direction)
    assert.equals("high", hits[1].severity)
  end,
  ["compromised/imagepath-repointed"] = function(hits)
    local e = hits[1].hit.evidence
    assert.is_true(e.binary_changed)
    assert.truthy(e.new:find("spool\\drivers\\color", 1, true))
    assert.equals("high", hits[1].severity)
  end,
  ["compromised/servicedll-swap"] = function(hits)
    local e = hits[1].hit.evidence
    assert.equals([[%ProgramData%\Microsoft\Network\sessenv.dll]], e.new)
    assert.equals("high", hits[1].severity)
  end,
  ["compromised/failure-command"] = function(hits)
    local by = {}
    for _, h in ipairs(hits) do by[h.hit.evidence.value] = h end
    assert.equals("added", by.FailureCommand.hit.evidence.change)
    assert.equals("medium", by.FailureCommand.severity)
    assert.equals("added", by.FailureActions.hit.evidence.change)
  end,
  ["compromised/controlset-mismatch"] = function(hits)
    for _, h in ipairs(hits) do
      if h.id == "controlset-mismatch" then
        assert.equals("ControlSet001", h.hit.row.control_set)
        if h.hit.row.name == "Fax" then
          assert.equals("Start", h.hit.evidence.difference)
          assert.equals(2, h.hit.evidence.value); assert.equals(3, h.hit.evidence.other_value)
          assert.equals("ControlSet002", h.hit.evidence.other_set)
        else
          assert.equals("presence", h.hit.evidence.difference)
        end
      end
    end
  end,
  ["compromised/service-deleted"] = function(hits)
    assert.is_true(hits[1].hit.row.recovered)
    assert.is_true(hits[1].hit.evidence.recovered)
    assert.truthy(hits[1].hit.message:find("deleted service key (recovered)", 1, true))
  end,
  ["compromised/lastwrite-cluster"] = function(hits)
    -- Windows' own services, values unchanged, rewritten over 55 minutes:
    -- not servicing (not within seconds), not a lead (nothing new or
    -- flagged): an unexplained burst, medium; time alone never makes high
    for _, h in ipairs(hits) do
      assert.equals("medium", h.severity)
      assert.equals("unexplained", h.hit.evidence.burst_kind)
      assert.equals(12, h.hit.evidence.burst_size)
    end
  end,
}

describe("diffrules on the fixture hives, with --baseline clean/SYSTEM", function()
  local names = {}
  for name in pairs(EXPECTED) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    it(name, function()
      local why = skip_reason(name) or skip_reason("clean/SYSTEM")
      if why then pending(why); return end
      local input = collect(name)
      input.baseline = { rows = collect("clean/SYSTEM").rows, source = "clean/SYSTEM" }
      local lines, hits = run_all(input)
      local expected = {}
      for i, l in ipairs(EXPECTED[name]) do expected[i] = l end
      table.sort(expected)
      assert.same(expected, lines)
      if CHECKS[name] then CHECKS[name](hits) end
    end)
  end

  it("compromised/lastwrite-cluster with --since 2026-10-14: the twelve keys, in the window", function()
    local why = skip_reason("compromised/lastwrite-cluster")
    if why then pending(why); return end
    local input = collect("compromised/lastwrite-cluster")
    input.since = require("hh.time").parse("2026-10-14T00:00:00Z")
    local lines = run_all(input)
    assert.equals(12, #lines)
    for _, l in ipairs(lines) do assert.truthy(l:find("^lastwrite%-in%-window "), l) end
  end)

  it("clean/SYSTEM against a golden from another machine (other per-user suffixes): no change", function()
    local why = skip_reason("clean/SYSTEM")
    if why then pending(why); return end
    local input = collect("clean/SYSTEM")
    local golden = H.copy(input.rows)
    local renamed = 0
    for _, r in ipairs(golden) do
      local base = r.name:match("^(.+)_1a2b3c$")
      if base then r.name = base .. "_5e6f70"; renamed = renamed + 1 end
    end
    assert.is_true(renamed >= 4, "only " .. renamed .. " instances renamed")
    input.baseline = { rows = golden, source = "other machine" }
    assert.same({}, (run_all(input)))
  end)

  it("clean/SYSTEM against itself with every path respelled: no change", function()
    local why = skip_reason("clean/SYSTEM")
    if why then pending(why); return end
    local input = collect("clean/SYSTEM")
    local golden = H.copy(input.rows)
    local respelled = 0
    local function respell(p)
      if type(p) ~= "string" then return p end
      local q = p
      q = q:gsub("^%%[Ss][Yy][Ss][Tt][Ee][Mm][Rr][Oo][Oo][Tt]%%\\", "C:\\Windows\\")
      if q == p then q = p:gsub("^\\[Ss]ystem[Rr]oot\\", "%%windir%%\\") end
      if q == p then q = p:gsub("^[Ss]ystem32\\", "\\SystemRoot\\System32\\") end
      if q == p then q = p:gsub("^C:\\Program Files\\", "%%ProgramFiles%%\\") end
      if q == p then q = p:upper() end
      if q ~= p then respelled = respelled + 1 end
      return q
    end
    for _, r in ipairs(golden) do
      r.image_path = respell(r.image_path)
      r.service_dll = respell(r.service_dll)
    end
    assert.is_true(respelled > 100, "only " .. respelled .. " paths respelled")
    input.baseline = { rows = golden, source = "respelled" }
    local lines = run_all(input)
    assert.same({}, lines)
  end)
end)
