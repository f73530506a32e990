# Random JSON texts for the differential test: Ruby's JSON.parse (json 2.6)
# decides what is valid. Half are built valid (with comments, odd numbers,
# every kind of escape, raw invalid UTF-8, nesting around 100), half are
# those mutated a little (a byte dropped, doubled, replaced, a token put in).
class JsonTextGen
  PIECES = ["\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\udbff\\udfff", "\\ud800\\u0041", "\\a", "\\'",
            "\\/", "\\n", "\\u00e9", "\\uZZ", "\xff".b, "\xc0\x80".b, "\xed\xa0\x80".b, "\xf4\x90\x80\x80".b, "\t".b,
            "\x7f".b, "\u00e9".b, "\u{10FFFF}".b, "\\", "\\\\", "\"".b]
  TOKENS = ["/*c*/", "//c\n", "/", "*/", ",", ":", "[", "]", "{", "}", "\"", "1e400", "-1e999", "NaN", "Infinity",
            "-", ".", "e", "01", "-0", "1.", "\u00a0".b, "\f", "\r", "\xef\xbb\xbf".b, "\\", "nul", "true", "0x1"]
  NUMBERS = ["0", "-0", "1", "-1", "123", "1.5", "-0.0", "1e5", "1E+5", "1e-5", "0.1e1", "1e400", "-1e999", "1e-400",
             "12345678901234567890123", "-9223372036854775808", "9223372036854775808", "2.5e-324", "1.7976931348623157e308",
             "0.1000000000000000055511151231257827021181583404541015625", "100000000000000000000000.5"]

  def initialize(seed) = @r = Random.new(seed)
  def rand(n = nil) = n ? @r.rand(n) : @r.rand
  def pick(a) = a[rand(a.size)]

  def texts(n) = Array.new(n) { |i| i.even? ? valid : mutate(valid) }

  def ws
    case rand(10)
    when 0...6 then ""
    when 6 then " "
    when 7 then pick(["\n", "\t", "\r\n", "  "])
    when 8 then pick(["/* c */", "/**/", "// x\n", "/* \u00e9 */".b])
    else " /*a*/ "
    end
  end

  def string
    s = +"".b
    rand(5).times { s << (rand(3) == 0 ? pick(PIECES) : pick(%w[a key hello x 1 é].map(&:b))) }
    "\"".b + s + "\"".b
  end

  def value(d = 0)
    return nest if d == 0 && rand(40) == 0
    case d >= 4 ? rand(4) : rand(7)
    when 0 then pick(NUMBERS)
    when 1 then string
    when 2 then pick(%w[true false null])
    when 3 then rand(1_000_000).to_s
    when 4, 5
      "[".b + ws + Array.new(rand(4)) { value(d + 1) + ws }.join(",".b + ws) + "]".b
    else
      "{".b + ws + Array.new(rand(4)) { string + ws + ":".b + ws + value(d + 1) }.join(ws + ",".b + ws) + ws + "}".b
    end
  end

  def nest
    n = pick([99, 100, 101, 102])
    open, close = rand(2) == 0 ? ["[", "]"] : ["{\"a\":", "}"]
    (open * n + "1" + close * n).b
  end

  def valid = (ws + value.b + ws).b

  def mutate(t)
    t = t.dup
    case rand(5)
    when 0 then t.slice!(rand(t.bytesize)) unless t.empty?
    when 1 then i = rand(t.bytesize + 1); t.insert(i, pick(TOKENS).b)
    when 2 then i = rand(t.bytesize); t[i] = pick(TOKENS).b unless t.empty?
    when 3 then t = t.byteslice(0, rand(t.bytesize + 1))
    else i = rand(t.bytesize + 1); t.insert(i, pick(PIECES).b)
    end
    t.b
  end

  # Drops pieces while the block still says "fails"; returns the smallest.
  def self.shrink(t)
    t = t.b
    chunk = [t.bytesize / 2, 1].max
    tries = 0
    while chunk >= 1 && tries < 400
      i = 0
      changed = false
      while i < t.bytesize && tries < 400
        c = t.byteslice(0, i) + (t.byteslice(i + chunk..) || "".b)
        tries += 1
        if yield(c)
          t = c
          changed = true
        else
          i += chunk
        end
      end
      chunk /= 2 unless changed
    end
    t
  end
end
