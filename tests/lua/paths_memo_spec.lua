-- hh.paths keeps normalize's and split_command's results during policy runs
-- (paths.begin_run): the same answers as without, and fresh ones once the
-- tables they depend on change.
local paths = require "hh.paths"

describe("hh.paths memos", function()
  local samples = {
    { [[%SystemRoot%\System32\svchost.exe -k netsvcs]] },
    { [["C:\Program Files\a b\x.exe" /s]] },
    { [[system32\DRIVERS\x.sys]] },
    { [[x.dll]], paths.SYSTEM32 },
    { [[x.sys]], paths.WINDOWS },
    { [[\??\C:\Windows\..\y.exe]] },
  }

  it("answers as the unmemoised functions do, first time and again", function()
    local want = {}
    for i, s in ipairs(samples) do
      want[i] = { paths.normalize(s[1], s[2]), { paths.split_command(s[1]) } }
    end
    paths.begin_run()
    for _ = 1, 2 do
      for i, s in ipairs(samples) do
        assert.equal(want[i][1], paths.normalize(s[1], s[2]))
        assert.same(want[i][2], { paths.split_command(s[1]) })
      end
    end
  end)

  it("a bare name keeps its bare_dir, and the same text without one does not", function()
    paths.begin_run()
    assert.equal([[c:\windows\system32\z.dll]], paths.normalize("z.dll", paths.SYSTEM32))
    assert.equal([[c:\windows\z.dll]], paths.normalize("z.dll", paths.WINDOWS))
    assert.equal([[c:\windows\z.dll]], paths.normalize("z.dll"))
  end)

  it("returns one value, as before", function()
    paths.begin_run()
    assert.equal(1, select("#", paths.normalize([[C:\a\b.exe]])))
    assert.equal(1, select("#", paths.normalize([[b.exe]], paths.SYSTEM32)))
  end)

  it("forgets its answers when ENV or EXEC_EXT changed before a run", function()
    paths.begin_run()
    assert.equal([[c:\%hhtest%\x.exe]], paths.normalize([[C:\%HHTEST%\x.exe]]))
    paths.ENV.hhtest = "tools"
    paths.begin_run()
    assert.equal([[c:\tools\x.exe]], paths.normalize([[C:\%HHTEST%\x.exe]]))
    paths.ENV.hhtest = nil
    paths.begin_run()
    assert.equal([[c:\%hhtest%\x.exe]], paths.normalize([[C:\%HHTEST%\x.exe]]))

    -- an unknown extension does not end the program part: the first word does
    assert.same({ [[C:\a]], [[b\x.zz]] }, { paths.split_command([[C:\a b\x.zz]]) })
    paths.EXEC_EXT.zz = true
    paths.begin_run()
    assert.same({ [[C:\a b\x.zz]], "" }, { paths.split_command([[C:\a b\x.zz]]) })
    paths.EXEC_EXT.zz = nil
    paths.begin_run()
  end)
end)
