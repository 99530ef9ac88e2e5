local H = dofile((os.getenv("HH_SOURCE_DIR") or ".") .. "/tests/diffrules/helpers.lua")
local diff = require "hh.diff"

describe("hh.diff", function()
  it("orders control sets by number, not by name", function()
    local rows = { H.row { name = "a", set = 10 }, H.row { name = "a", set = 2 }, H.row { name = "a", set = 1 } }
    assert.same({ "ControlSet001", "ControlSet002", "ControlSet010" }, diff.sets(rows))
  end)

  it("picks the current set: declared, then marked, then lowest", function()
    local rows = { H.row { name = "a", set = 3, current = false }, H.row { name = "a", set = 2, current = true } }
    assert.equals("ControlSet009", diff.current_set(rows, "ControlSet009"))
    assert.equals("ControlSet002", diff.current_set(rows))
    rows[2].current = false
    assert.equals("ControlSet002", diff.current_set(rows))
    -- a recovered row marked current does not decide
    local r = { H.row { name = "x", set = 4, current = true, recovered = true }, H.row { name = "y", set = 5, current = false } }
    assert.equals("ControlSet004", diff.current_set(r))
    assert.is_nil(diff.current_set({}))
  end)

  it("compares command lines by binary and arguments, spelling aside", function()
    assert.is_nil(diff.command_difference([[%SystemRoot%\System32\svchost.exe -k  netsvcs]],
                                          [[C:\WINDOWS\system32\svchost.exe -k netsvcs]]))
    assert.is_nil(diff.command_difference([["C:\Program Files\A\b.exe" /x]], [[c:\progra~1\a\b.exe /X]]))
    local d = diff.command_difference([[C:\a.exe -x]], [[C:\b.exe -x]])
    assert.is_true(d.binary); assert.is_false(d.args)
    d = diff.command_difference([[C:\a.exe -x]], [[C:\a.exe -y]])
    assert.is_false(d.binary); assert.is_true(d.args)
    d = diff.command_difference(nil, [[C:\a.exe]])
    assert.is_true(d.binary); assert.is_true(d.added)
  end)

  it("compares accounts case-insensitively, with or without .\\", function()
    assert.is_true(diff.same_account("LocalSystem", ".\\localsystem"))
    assert.is_true(diff.same_account("NT AUTHORITY\\NetworkService", "nt authority\\networkservice"))
    assert.is_false(diff.same_account("LocalSystem", "NT AUTHORITY\\LocalService"))
    assert.is_true(diff.same_account(nil, nil))
    assert.is_false(diff.same_account(nil, "LocalSystem"))
  end)

  it("names Start directions", function()
    local row = { name = "Foo" }
    assert.equals("to-autostart", (diff.start_change(3, 2, row)))
    assert.equals("to-autostart", (diff.start_change(nil, 0, row)))
    assert.equals("disabled", (diff.start_change(2, 4, row)))
    assert.equals("disabled-security", (diff.start_change(2, 4, { name = "WinDefend" })))
    assert.equals("other", (diff.start_change(2, 3, row)))
    assert.equals("other", (diff.start_change(0, 1, row)))
    assert.equals("other", (diff.start_change(2, nil, row)))
  end)

  it("keys values by type and data", function()
    assert.equals(diff.value_key { type = "REG_BINARY", data = "AB01" }, diff.value_key { type = "REG_BINARY", data = "ab01" })
    assert.are_not.equal(diff.value_key { type = "REG_SZ", data = "AB" }, diff.value_key { type = "REG_SZ", data = "ab" })
    assert.are_not.equal(diff.value_key { type = "REG_MULTI_SZ", data = { "a", "b" } },
                         diff.value_key { type = "REG_MULTI_SZ", data = { "a b" } })
    assert.are_not.equal(diff.value_key { type = "REG_SZ", data = "1" }, diff.value_key { type = "REG_DWORD", data = 1 })
  end)
end)
