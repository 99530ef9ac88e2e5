-- hh.paths.normalize skips its quote, slash and %VAR% rewrites when a plain
-- find says there is nothing to rewrite: the spellings that need them.
local paths = require "hh.paths"

describe("hh.paths.normalize rewrites only what needs it", function()
  local n = paths.normalize
  local S32 = paths.SYSTEM32
  it("drops surrounding and stray quotes", function()
    assert.equal([[c:\program files\a b\x.exe]], n([["C:\Program Files\a b\x.exe"]]))
    assert.equal([[c:\a\x.exe]], n([[C:\a"\x.exe"]]))
    assert.equal(nil, n([[""]]))
  end)
  it("turns forward slashes into backslashes", function()
    assert.equal([[c:\windows\system32\x.dll]], n([[C:/Windows/System32/x.dll]]))
  end)
  it("resolves a bare name, quoted or from a %VAR%, under bare_dir", function()
    assert.equal([[c:\windows\system32\x.dll]], n([["x.dll"]], S32))
    assert.equal([[c:\windows\system32\x.dll]], n([[x.dll]], S32))
    assert.equal([[c:\windows\system32\<user>]], n([[%USERNAME%]], S32))
    assert.equal([[c:\windows\system32\x.dll]], n([[C:\Windows\System32\x.dll]], S32))
    assert.equal([[c:\windows\x.sys]], n([[x.sys]], paths.WINDOWS))
  end)
  it("leaves plain paths as they were", function()
    assert.equal([[c:\windows\system32\svchost.exe]], n([[%SystemRoot%\system32\svchost.exe]], S32))
    assert.equal([[c:\windows\system32\drivers\x.sys]], n([[system32\drivers\x.sys]]))
  end)
end)
