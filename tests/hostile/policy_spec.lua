-- Hostile --policy files through the command line (issue 7): each is stopped
-- with exit 4 and one "policy error" line naming the file (and the line,
-- where Lua knows it) and the limit or the refusal; nothing is written to
-- --output, no temporary file is left beside it, and nothing the policy
-- tried to do happens on disk.
package.path = (os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/hostile/?.lua;" .. package.path
local C = require "contract"

local BIN = assert(os.getenv("HH_BIN"), "HH_BIN not set")
local SEEDS = os.getenv("HH_FUZZ_SEEDS")
local HIVE = SEEDS and SEEDS .. "/seed-system"

local dir = C.tmpdir()
teardown(function() os.execute("rm -rf " .. C.q(dir)) end)

local function listing(d)
  local p = io.popen("ls -A " .. C.q(d))
  local names = {}
  for l in p:lines() do names[#names + 1] = l end
  p:close()
  table.sort(names)
  return table.concat(names, "\n")
end

-- A policy that meets the contract, with evaluate's body given.
local function contract_policy(body)
  return ([[
return { name = "attack", description = "hostile", categories = { "test" }, hives = { "SYSTEM" },
  init = function(args) end,
  evaluate = function(input, ctx)
%s
  end }
]]):format(body)
end

-- name -> { source, expected message pattern (after "policy error: FILE"),
-- extra run options }
local attacks = {
  { "loop.lua", "while true do end\n", ":1: instruction limit exceeded" },
  { "loop-in-rule.lua", [[
local services = require "services"
return services.extend { rules = { { id = "spin", technique = "T1543.003", severity = "high",
  message = "spins", match = function(svc) while true do end end } } }
]], ":3: instruction limit exceeded" },
  { "loop-pcall.lua", contract_policy([[
    -- pcall cannot outrun the budget: the hook re-arms at every instruction
    while true do pcall(function() while true do end end) end]]), ":%d+: instruction limit exceeded" },
  { "alloc.lua", "local t = {}\nwhile true do t[#t + 1] = ('x'):rep(64) .. #t end\n", ":2: memory limit exceeded" },
  { "alloc-evaluate.lua", contract_policy("    local s = 'y'\n    while true do s = s .. s end"),
    ": evaluate: memory limit exceeded" },
  -- out of memory inside a C function: Lua reports no line, the file is named
  { "alloc-rep.lua", "local s = string.rep('x', 1 << 30)\nreturn {}\n", ":?%d*: memory limit exceeded" },
  { "os-execute.lua", "os.execute('touch PWNED')\nreturn {}\n", ":1: .*global 'os'" },
  { "io-open.lua", "local f = io.open('PWNED', 'w')\nf:write('x')\nreturn {}\n", ":1: .*global 'io'" },
  { "require-cjson.lua", "local cjson = require 'cjson'\nreturn {}\n", ":1: module 'cjson' not found" },
  { "require-io.lua", "local io = require 'io'\nreturn {}\n", ":1: module 'io' not found" },
  { "load.lua", "local f = load('return 1')\nreturn {}\n", ":1: .*global 'load'" },
  { "dofile.lua", "dofile('/etc/passwd')\nreturn {}\n", ":1: .*global 'dofile'" },
  { "string-dump.lua", "local s = string.dump(function() end)\nreturn {}\n", ":1: .*dump" },
  { "gc-finalizer.lua", "setmetatable({}, { __gc = function() while true do end end })\nreturn {}\n",
    ":1: __gc metamethods are not allowed" },
  { "raise.lua", contract_policy("    error('the policy gave up')"), ":%d+: the policy gave up" },
  { "not-a-table.lua", "return 42\n", ": a policy must return a table" },
  { "missing-fields.lua", "return { name = 'x' }\n", ": policy field '%w+' must be" },
  { "bad-severity.lua", contract_policy([[
    return { { rule = "r", technique = "T1543.003", severity = "apocalyptic", score = 1,
               service = "x", message = "m" } }]]), ": finding 1: field 'severity' must be one of" },
  { "findings-not-array.lua", contract_policy("    return 'none'"), ": evaluate must return an array" },
}

-- The same runaways under the default limits: no instruction count, a CPU
-- timer (short here) whose signal sets the hook that stops the policy.
local EXACT = { "--max-instructions", "20000000", "--max-memory", "32" }
local TIMER = { "--max-cpu", "0.2" }
for _, a in ipairs(attacks) do a[4] = EXACT end
local timed = {
  { "loop.lua", ":1: CPU time limit exceeded %(0.2 s%)" },
  { "loop-in-rule.lua", ":3: CPU time limit exceeded" },
  { "loop-pcall.lua", ":%d+: CPU time limit exceeded" },
  { "alloc.lua", ":2: memory limit exceeded %(32 MiB%)", { "--max-memory", "32" } },
}
for _, t in ipairs(timed) do
  for _, a in ipairs(attacks) do
    if a[1] == t[1] and a[4] == EXACT then
      attacks[#attacks + 1] = { "timer-" .. a[1], a[2], t[2], t[3] or TIMER }
    end
  end
end

describe("hostile --policy files", function()
  if not (HIVE and io.open(HIVE, "rb")) then
    it("need the fuzz seed hive", function() pending("HH_FUZZ_SEEDS/seed-system not built") end)
    return
  end

  for _, a in ipairs(attacks) do
    local name, source, pattern, limits = a[1], a[2], a[3], a[4]
    it(name .. " exits 4 with one line naming the file and the reason, and writes nothing", function()
      local work = dir .. "/" .. name:gsub("%W", "_")
      os.execute("mkdir -p " .. C.q(work))
      C.spit(work .. "/" .. name, source)
      local before = listing(work)
      local argv = { "sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", work,
        BIN, "hunt", HIVE, "--policy", name, "--format", "jsonl", "--output", "report.jsonl", "--timeout", "30" }
      for _, o in ipairs(limits) do argv[#argv + 1] = o end
      local r = C.run(dir .. "/" .. name, argv)
      assert.are.equal(4, r.rc, "exit code; stderr: " .. r.err)
      assert.are.equal("", r.out)
      local errors = {}
      for line in r.err:gmatch("[^\n]+") do
        if not line:find(": warning: ", 1, true) then errors[#errors + 1] = line end
      end
      assert.are.equal(1, #errors, "error lines:\n" .. table.concat(errors, "\n"))
      local prefix = "hivehunt: policy error: " .. name
      assert.are.equal(prefix, errors[1]:sub(1, #prefix), errors[1])
      assert.is_truthy(errors[1]:sub(#prefix + 1):find("^" .. pattern), "message: " .. errors[1])
      -- no report, no leftover temporary file, no PWNED
      assert.are.equal(before, listing(work))
    end)
  end

  it("a binary chunk (string.dump output) is refused by name", function()
    local work = dir .. "/binary"
    os.execute("mkdir -p " .. C.q(work))
    C.spit(work .. "/chunk.luac", string.dump(function() return {} end))
    local r = C.run(dir .. "/binary", { "sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", work,
      BIN, "hunt", HIVE, "--policy", "chunk.luac", "--output", "report.jsonl", "--timeout", "30" })
    assert.are.equal(4, r.rc, r.err)
    assert.is_truthy(r.err:find("hivehunt: policy error: chunk.luac: .*binary chunk"), r.err)
    assert.are.equal("chunk.luac", listing(work))
  end)

  it("a binary chunk made by luac5.4 is refused too", function()
    local work = dir .. "/luac"
    os.execute("mkdir -p " .. C.q(work))
    C.spit(work .. "/p.lua", "return {}\n")
    if not os.execute("cd " .. C.q(work) .. " && luac5.4 -o p.luac p.lua 2>/dev/null") then
      pending("luac5.4 not installed")
      return
    end
    local r = C.run(dir .. "/luac", { BIN, "hunt", HIVE, "--policy", work .. "/p.luac", "--timeout", "30" })
    assert.are.equal(4, r.rc, r.err)
    assert.is_truthy(r.err:find("policy error: " .. work .. "/p.luac: .*binary chunk"), r.err)
  end)

  -- Pattern matching runs in C, out of the stop hook's reach
  -- (DESIGN.md §6): the child's limits are the backstop, and the run still
  -- ends on time with no report.
  it("a backtracking pattern is stopped by the per-hive time limit", function()
    local work = dir .. "/pattern"
    os.execute("mkdir -p " .. C.q(work))
    C.spit(work .. "/p.lua", contract_policy(
      "    local s = ('a'):rep(40)\n    s:find(('a*'):rep(40) .. 'b')\n    return {}"))
    local r = C.run(dir .. "/pattern", { "sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", work,
      BIN, "hunt", HIVE, "--policy", "p.lua", "--output", "report.jsonl", "--timeout", "3" })
    assert.is_truthy(r.rc == 3 or r.rc == 4, "exit " .. tostring(r.rc) .. ": " .. r.err)
    assert.is_truthy(r.ms < 10000, "took " .. r.ms .. " ms")
    assert.is_truthy(r.err:find("hivehunt: ", 1, true), r.err)
    assert.are.equal("p.lua", listing(work))
  end)

  it("a case run with a policy that hangs in C bounds every host and names each", function()
    local case = dir .. "/case"
    for _, h in ipairs { "A", "B", "C" } do os.execute("mkdir -p " .. C.q(case .. "/" .. h)) end
    C.spit(case .. "/A/SYSTEM", C.slurp(HIVE))
    C.spit(case .. "/B/SYSTEM", C.slurp(HIVE))
    C.spit(case .. "/C/SYSTEM", "regf" .. ("\0"):rep(100))
    C.spit(dir .. "/case-policy.lua", contract_policy(
      "    local s = ('a'):rep(40)\n    s:find(('a*'):rep(40) .. 'b')\n    return {}"))
    local r = C.run(dir .. "/case-run", { BIN, "case", case, "--output", dir .. "/case-out", "--jobs", "2",
                                          "--timeout", "2", "--policy", dir .. "/case-policy.lua" })
    assert.are.equal(3, r.rc, r.err)
    assert.is_truthy(r.ms < 15000, "took " .. r.ms .. " ms")
    for _, h in ipairs { "A", "B", "C" } do
      local path = case .. "/" .. h .. "/SYSTEM"
      assert.is_truthy(r.err:find("hivehunt: " .. path .. ": ", 1, true), h .. " not named: " .. r.err)
    end
    -- no findings report for a host whose child did not finish
    local p = io.popen("find " .. C.q(dir .. "/case-out") .. " -name 'findings.*'")
    local reports = p:read("a")
    p:close()
    assert.are.equal("", reports)
  end)

  it("the host keeps running: a good hive after a bad policy is still hunted", function()
    -- the same command with the shipped policy succeeds, so the failures
    -- above are the policies' and not the setup's
    local r = C.run(dir .. "/good", { BIN, "hunt", HIVE, "--format", "jsonl", "--timeout", "30" })
    assert.are.equal(0, r.rc, r.err)
    assert(C.complete("jsonl", r.out))
    assert.is_truthy(r.out:find('"rule":"known-tool"', 1, true))
  end)
end)
