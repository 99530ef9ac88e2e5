-- The writer's own layout, checked with an independent byte reader
-- (regfbytes.lua): base block, bins, cell sizes, lists, big data, deletion.
package.path = os.getenv("HH_SOURCE_DIR") .. "/tests/writer/?.lua;" .. package.path
local H = require "helpers"
local R = require "regfbytes"

local function utf16(s) return (s:gsub(".", "%0\0")) end

describe("hh-mkhive layout", function()
  local hive, spec
  setup(function()
    hive, spec = H.build([[
@root TESTROOT
@filename \SystemRoot\System32\Config\SYSTEM
@default-lastwrite 2024-03-10T09:00:00Z
@timestamp 2026-10-14T06:00:00Z
[Services\b]
[Services\A] @class="Cls"
"Small"=dword:7
"Str"="hello"
"Big"=fill(20000):0x41
[Services\_x]
[Services\Zed]
[Services\aa]
[-Services\Gone] @lastwrite=2026-10-14T02:10:00Z
"ImagePath"="C:\\gone.exe"
[Services\Gone\Sub]
]])
  end)
  teardown(function() os.remove(hive); os.remove(spec) end)

  it("writes a consistent base block", function()
    local h = R.load(hive)
    local b = h:base()
    assert.equal("regf", b.signature)
    assert.equal(b.seq1, b.seq2)
    assert.equal(b.computed, b.checksum)
    assert.equal(1, b.major)
    assert.equal(5, b.minor)
    assert.equal(#h.data - 4096, b.bins_size)
    -- 64 bytes hold 31 UTF-16 units: the tail of the name is kept.
    assert.equal(("\\SystemRoot\\System32\\Config\\SYSTEM"):sub(-31), b.file_name)
    assert.equal("TESTROOT", h:nk(b.root).name)
    assert.equal(0x2C, h:nk(b.root).flags) -- hive entry, no delete, compressed name
  end)

  it("tiles every bin with cells and pads with free cells", function()
    local h = R.load(hive)
    local cells = h:cells()
    local free = 0
    for _, c in ipairs(cells) do if c.size > 0 then free = free + 1 end end
    assert.is_true(free >= 1)
  end)

  it("sorts subkeys as Windows does (uppercased)", function()
    local h = R.load(hive)
    local names = {}
    for _, c in ipairs(h:children(h:find("Services"))) do names[#names + 1] = c.name end
    assert.same({ "A", "aa", "b", "Zed", "_x" }, names)
    local _, sigs = h:list_entries(h:find("Services").slist)
    assert.same({ "lh" }, sigs)
  end)

  it("keeps small data inline and big data in db segments", function()
    local h = R.load(hive)
    local vals = {}
    for _, v in ipairs(h:values(h:find("Services\\A"))) do vals[v.name] = v end
    assert.is_true(vals.Small.inline)
    assert.equal(7, vals.Small.data_off)
    assert.is_false(vals.Str.inline)
    assert.equal(12, vals.Str.size)
    assert.equal("db", h:sig(vals.Big.data_off))
    local p = 4096 + vals.Big.data_off + 4
    local nseg, list = h:u16(p + 2), h:u32(p + 4)
    assert.equal(2, nseg)
    local data, left = {}, vals.Big.size
    for i = 0, nseg - 1 do
      local seg = h:u32(4096 + list + 4 + 4 * i)
      local take = math.min(left, 16344)
      assert.is_true(-h:cell_size(seg) - 4 >= take)
      data[#data + 1] = h:bytes(4096 + seg + 4, take)
      left = left - take
    end
    assert.equal(20000, vals.Big.size)
    assert.is_true(table.concat(data) == ("A"):rep(20000), "big data differs")
  end)

  it("stores class names in UTF-16LE", function()
    local h = R.load(hive)
    local k = h:find("Services\\A")
    assert.equal(utf16("Cls"), h:bytes(4096 + k.class + 4, 6))
  end)

  it("leaves a deleted key in free cells, unlinked but intact", function()
    local h = R.load(hive)
    local services = h:find("Services")
    assert.equal(5, services.nsub)
    assert.is_nil(h:find("Services\\Gone"))
    local found
    for _, c in ipairs(h:cells()) do
      if c.sig == "nk" and c.size > 0 then
        local k = h:nk(c.off)
        if k.name == "Gone" then found = k end
      end
    end
    assert.is_truthy(found, "no free nk cell named Gone")
    assert.equal(services.off, found.parent)
    assert.equal(1, found.nval)
    assert.is_true(h:cell_size(found.vlist) > 0, "value list not freed")
    -- Its own child stays linked inside the freed subtree.
    assert.equal(1, found.nsub)
    assert.is_true(h:cell_size(found.slist) > 0)
  end)
end)

describe("deleted and live keys of one name", function()
  it("keeps the live key linked and the deleted one in free cells", function()
    local hive, spec = H.build([[
[S\PSEXESVC] @lastwrite=2026-10-14T03:00:00Z
"ImagePath"="live"
[-S\PSEXESVC] @lastwrite=2026-10-14T02:10:00Z
"ImagePath"="deleted"
[S\PSEXESVC]
"Start"=dword:3
]])
    local h = R.load(hive)
    local live = h:find("S\\PSEXESVC")
    assert.equal(1, h:find("S").nsub)
    assert.equal(2, live.nval) -- the plain section reopened the live key
    local freed = 0
    for _, c in ipairs(h:cells()) do
      if c.sig == "nk" and c.size > 0 and h:nk(c.off).name == "PSEXESVC" then
        freed = freed + 1
        assert.equal(1, h:nk(c.off).nval)
      end
    end
    assert.equal(1, freed)
    os.remove(hive); os.remove(spec)
  end)
end)

describe("hh-mkhive options", function()
  it("marks a hive dirty", function()
    local hive, spec = H.build("[A]\n", "--dirty")
    local b = R.load(hive):base()
    assert.are_not.equal(b.seq1, b.seq2)
    os.remove(hive); os.remove(spec)
  end)

  it("splits a long subkey list into an ri index", function()
    local text = {}
    for i = 1, 10 do text[#text + 1] = ("[Parent\\Key%02d]"):format(i) end
    local hive, spec = H.build(table.concat(text, "\n") .. "\n", "--ri-threshold 3")
    local h = R.load(hive)
    local parent = h:find("Parent")
    local entries, sigs = h:list_entries(parent.slist)
    assert.same({ "ri", "lh", "lh", "lh", "lh" }, sigs)
    assert.equal(10, #entries)
    assert.equal(10, parent.nsub)
    assert.is_truthy(h:find("Parent\\Key10"))
    os.remove(hive); os.remove(spec)
  end)

  it("writes lf lists and direct big data in version 1.3", function()
    local hive, spec = H.build("[P\\Child]\n[Q]\n\"Big\"=fill(20000):0x42\n", "--version 1.3")
    local h = R.load(hive)
    assert.equal(3, h:base().minor)
    local _, sigs = h:list_entries(h:nk(h:base().root).slist)
    assert.same({ "lf" }, sigs)
    local v = h:values(h:find("Q"))[1]
    assert.are_not.equal("db", h:sig(v.data_off))
    assert.equal(("B"):rep(20000), h:bytes(4096 + v.data_off + 4, 20000))
    os.remove(hive); os.remove(spec)
  end)

  it("stores non-ASCII names as UTF-16LE without the compressed flag", function()
    local hive, spec = H.build('["Caf\\u00e9"]\n')
    local h = R.load(hive)
    local k = h:children(h:nk(h:base().root))[1]
    assert.equal("C\0a\0f\0\xe9\0", k.raw_name)
    assert.is_truthy(k)
    assert.equal(0, k.flags & 0x20)
    os.remove(hive); os.remove(spec)
  end)
end)

describe("spec language", function()
  local function dump(text)
    local spec = os.tmpname()
    local f = assert(io.open(spec, "wb"))
    f:write(text)
    f:close()
    local out, err, code = H.run(H.quote(H.mkhive) .. " --dump-expected " .. H.quote(spec))
    os.remove(spec)
    return out, err, code
  end

  it("overrides, deletes values, removes keys and copies subtrees", function()
    local out = assert(dump([[
@default-lastwrite 2024-01-01T00:00:00Z
[S\One] @lastwrite=2024-03-10T09:00:00Z
"A"=dword:1
"B"="keep"
"C"="drop"
[S\Two]
"X"=dword:2
@copy S T
[S\One]
"A"=dword:0x10
"C"=-
[!S\Two]
]]))
    assert.matches("V\tS\\One\tA\t4\t10000000\n", out, 1, true)
    assert.matches("V\tS\\One\tB\t1\t", out, 1, true)
    assert.not_matches("V\tS\\One\tC\t", out, 1, true)
    assert.not_matches("K\tS\\Two\t", out, 1, true)
    -- the copy was taken before the overrides
    assert.matches("V\tT\\One\tA\t4\t01000000\n", out, 1, true)
    assert.matches("V\tT\\Two\tX\t4\t02000000\n", out, 1, true)
    -- 2024-03-10T09:00:00Z as FILETIME; override without @lastwrite keeps it
    assert.matches("K\tS\\One\t133545348000000000\t-\n", out, 1, true)
  end)

  it("decodes escapes into UTF-16 code units", function()
    local out = assert(dump('[K]\n"v"="a\\\\b\\"c\\n\\x01\\u00e9\\uD800"\n'))
    local hex = out:match("V\tK\tv\t1\t(%x+)")
    assert.equal("61005c00620022006300" .. "0a00" .. "0100" .. "e900" .. "00d8" .. "0000", hex)
  end)

  it("reports the file and line of a bad line", function()
    local _, err, code = dump('[K]\n"v"=dword:zz\n')
    assert.are_not.equal(0, code)
    assert.matches(":2: bad number", err)
    _, err, code = dump('[K]\n"v"=frob:1\n')
    assert.matches(":2: unknown value syntax", err)
    _, err = dump('[!Nope]\n')
    assert.matches(":1: %[!path%]: no such key", err)
    _, err = dump('"v"=dword:1\n')
    assert.matches(":1: value line before any", err)
  end)
end)

describe("hh-mkhive --generate-services", function()
  it("generates N services in both control sets, every 997th planted", function()
    local out, err, code = H.run(H.quote(H.mkhive) .. " --dump-expected --generate-services 1600")
    assert.equal(0, code, err)
    local per_set, planted = { ControlSet001 = 0, ControlSet002 = 0 }, 0
    for set in out:gmatch("\nK\t(ControlSet00[12])\\Services\\Svc%d+\t") do
      per_set[set] = per_set[set] + 1
    end
    -- "C:\Users\Public\" as UTF-16LE hex
    local public = ("C:\\Users\\Public\\"):gsub(".", function(c) return ("%02x00"):format(c:byte()) end)
    for line in out:gmatch("[^\n]+") do
      if line:match("^V\tControlSet001\\Services\\Svc%d+\tImagePath\t") and line:find(public, 1, true) then
        planted = planted + 1
      end
    end
    assert.same({ ControlSet001 = 1600, ControlSet002 = 1600 }, per_set)
    assert.equal(2, planted) -- Svc00500 and Svc01497
  end)
end)
