-- The parent's side of a hunt's child process: a report the parent cannot
-- hold stops the child (it would otherwise wait forever on a full pipe)
-- and is one line naming the hive, exit 3, no report file. And the children
-- of parallel jobs share stderr: every message goes out in one write.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))
local fail_mremap = assert(os.getenv("HH_FAIL_MREMAP"))

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function slurp(p) local f = assert(io.open(p, "rb")); local s = f:read("a"); f:close(); return s end
local function exists(p) local f = io.open(p, "rb"); if f then f:close() return true end return false end

describe("hivehunt's parent process", function()
  it("stops a child whose report it cannot hold, and says so", function()
    local hive = fixtures .. "/bench/SYSTEM-5000" -- its HTML report is over 5 MB
    local out, err = os.tmpname(), os.tmpname()
    os.remove(out)
    -- (a sanitizer build's runtime must otherwise come first in the preload list)
    local cmd = "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" LD_PRELOAD=" .. sh(fail_mremap)
      .. " timeout 120 " .. sh(bin) .. " hunt " .. sh(hive) .. " --format html --output " .. sh(out)
      .. " 2>" .. sh(err)
    local _, _, code = os.execute(cmd)
    local text = slurp(err)
    os.remove(err)
    assert.are.equal(3, code, text)
    assert.truthy(text:find("SYSTEM-5000: its report could not be read: Cannot allocate memory", 1, true), text)
    local lines = 0
    for line in text:gmatch("[^\n]+") do
      if not line:find("warning", 1, true) then lines = lines + 1 end
    end
    assert.are.equal(1, lines, text)
    assert.is_false(exists(out))
  end)

  it("writes each message to stderr in one write, so parallel jobs' lines do not interleave", function()
    -- strace shows the writes themselves (stdio's reach the kernel unseen by a preload)
    if not os.execute("strace -f -qq -o /dev/null true 2>/dev/null") then
      return pending("strace is missing or may not trace here")
    end
    local trace, policy = os.tmpname(), os.tmpname()
    local f = assert(io.open(policy, "w"))
    f:write('print("from the policy", "a\\tb\\1", 2)\nreturn require("services").extend {}\n')
    f:close()
    local empty = os.tmpname() -- an empty file: an error naming it
    local function traced(args)
      os.execute("strace -f -qq -s 65536 -e trace=write -e signal=none -o " .. sh(trace) .. " "
        .. sh(bin) .. " " .. args .. " >/dev/null 2>/dev/null")
      return slurp(trace)
    end
    -- a plugin skipped and a policy's print and warning (SYSTEM alone: no
    -- svchost groups), then a hive that cannot be read
    local text = traced("hunt " .. sh(fixtures .. "/demo/SYSTEM") .. " --policy " .. sh(policy) .. " --format jsonl")
      .. traced("hunt " .. sh(empty) .. " --format jsonl")
    for _, p in ipairs { trace, policy, empty } do os.remove(p) end
    local lines, messages = {}, 0
    for line in text:gmatch("[^\n]+") do
      if line:find("write(2, ", 1, true) then
        messages = messages + 1
        -- the whole message, newline and all, in this one write
        if not line:find('\\n", %d+%)%s+= %d+$') then lines[#lines + 1] = line end
      end
    end
    assert.is_true(messages >= 4, text)
    assert.truthy(text:find("hivehunt: warning: plugin tasks skipped", 1, true), text)
    assert.truthy(text:find('policy: from the policy\\ta\\tb\\\\x01\\t2\\n"', 1, true), text)
    assert.truthy(text:find("hivehunt: policy services: warning: no svchost groups", 1, true), text)
    assert.are.same({}, lines)
  end)
end)
