-- hivehunt shell: statements from a pipe, and the prompt through a pty.
local bin = assert(os.getenv("HH_BIN"))
local fixtures = assert(os.getenv("HH_TESTDATA"))

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function capture(cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

local SYSTEM, SOFTWARE = fixtures .. "/demo/SYSTEM", fixtures .. "/demo/SOFTWARE"

describe("hivehunt shell", function()
  it("runs piped statements with the hives open", function()
    local script = table.concat({
      "print(#services())",
      "print(hives.system.kind, hives.software.kind, #hives)",
      "n = 0",
      "for _, r in ipairs(services()) do if r.current then n = n + 1 end end",
      "print('current', n)",
      "print(hives.system:key([[Select]]):value('Current'):data())",
      "print(reload())",
      "code = run('jsonl')",
      "print('exit', code)",
    }, "\n") .. "\n"
    local f = os.tmpname()
    local h = assert(io.open(f, "w")); h:write(script); h:close()
    local out, code = capture(sh(bin) .. " shell " .. sh(SYSTEM) .. " " .. sh(SOFTWARE) .. " <" .. sh(f) .. " 2>&1")
    os.remove(f)
    assert.are.equal(0, code, out)
    local total = tonumber(out:match("^(%d+)\n"))
    local current = tonumber(out:match("current\t(%d+)"))
    assert.is_true(total > 0 and current > 0 and current < total, out)
    assert.truthy(out:find("SYSTEM\tSOFTWARE\t2", 1, true), out)
    assert.truthy(out:find("\n1\n", 1, true), out)
    assert.truthy(out:find("policy services: %d+ rules %(services%)"), out)
    assert.truthy(out:find('{"rule":"binary-impersonation"', 1, true), out)
    assert.truthy(out:find("exit\t0", 1, true), out)
  end)

  it("continues a statement over several lines and reports errors", function()
    local out = capture("printf 'for i = 1, 3 do\\nprint(i * 10)\\nend\\nerror(\"boom\")\\nprint(\"after\")\\n' | "
      .. sh(bin) .. " shell " .. sh(SYSTEM) .. " 2>&1")
    assert.truthy(out:find("10\n20\n30\n", 1, true), out)
    assert.truthy(out:find("boom", 1, true), out)
    assert.truthy(out:find("after", 1, true), out)
  end)

  it("refuses a hive it cannot open with exit 3", function()
    local out, code = capture(sh(bin) .. " shell /nonexistent/SYSTEM </dev/null 2>&1")
    assert.are.equal(3, code)
    assert.truthy(out:find("/nonexistent/SYSTEM", 1, true))
  end)

  it("shows a prompt on a terminal (through a pty)", function()
    local ok = os.execute("command -v script >/dev/null")
    if not ok then return pending("script(1) not installed") end
    local out = capture("(printf 'x = 40 + 2\\nprint(\"answer\", x)\\n'; sleep 3) | script -qfec "
      .. sh(sh(bin) .. " shell " .. sh(SYSTEM)) .. " /dev/null")
    assert.truthy(out:find("hivehunt> ", 1, true), out)
    assert.truthy(out:find("answer\t42", 1, true), out)
  end)

  it("edits lines with readline on a terminal: the up arrow recalls the last line", function()
    local ok = os.execute("command -v script >/dev/null")
    if not ok then return pending("script(1) not installed") end
    local out = capture("(printf 'print(\"recalled\", 40 + 2)\\n'; sleep 1; printf '\\033[A\\n'; sleep 2) | script -qfec "
      .. sh(sh(bin) .. " shell " .. sh(SYSTEM)) .. " /dev/null")
    local _, n = out:gsub("recalled\t42", "")
    assert.are.equal(2, n, out)
  end)
end)
