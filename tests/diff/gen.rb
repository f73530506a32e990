# A seeded random generator of Ruby values for the differential test.
# Weights favour what sessions hold (hashes of strings, symbols, integers,
# times) and reach everything Marshal writes: a dozen string encodings,
# symbols of every spelling, boundary integers, shared references, cycles,
# user classes, Time/Date/BigDecimal/HWIA/TimeWithZone...
require "bigdecimal"
require "date"
require "set"
require_relative "classes"

class ValueGen
  ENCODINGS = %w[UTF-8 UTF-8 UTF-8 US-ASCII ASCII-8BIT Shift_JIS EUC-JP Windows-31J ISO-8859-1 Windows-1252
                 UTF-16LE UTF-16BE UTF-32LE GB18030 Big5 KOI8-R ISO-8859-15]
  INTS = [0, 1, -1, 122, 123, -123, -124, 255, 256, -256, -257, 65535, 65536, 2**24, 2**30 - 1, 2**30, -2**30,
          -2**30 - 1, 2**31, 2**32, 2**62 - 1, 2**62, -2**62, -2**62 - 1, 2**63 - 1, 2**63, -2**63, 2**64, 2**100, -2**100]
  SYMS = %w[a user_id _csrf_token session_id foo? bar! baz= @iv @@cv $g $1 $- + - * ** / % == === =~ != !~ < <= <=> >
            >= << >> & | ^ ~ +@ -@ [] []= ` ! a\ b 1a Foo Foo::Bar] + ["", "caf\u00e9", "\u3042", "a-b", "nil", "if"]
  WORDS = %w[message hello user_id cart flash warden.user.user.key _csrf_token return_to locale theme id name]
  REGEXPS = ["a/b", "(?i:ab)", "(?i)ab", "(?i:a)|(b)", "(?m-x:a(b)c)", "\\d+", "[a-z]+/x", "a\nb", "a\tb", "\\/",
             "caf\u00e9", "(?<n>x)", "[)]", "\\\\", "^$", "a\x01b"]
  ZONES = %w[UTC Europe/Berlin Asia/Tokyo America/New_York Asia/Kolkata]

  def initialize(seed, with_as: true)
    @r = Random.new(seed)
    @as = with_as
    @pool = []
  end

  def rand(n = nil) = n ? @r.rand(n) : @r.rand
  def pick(a) = a[rand(a.size)]
  def chance(p) = rand < p

  def value(depth = 0)
    if !@pool.empty? && chance(0.06)
      return pick(@pool) # a shared reference
    end
    v = if depth >= 4 || chance(0.45) then scalar else container(depth) end
    @pool << v if !v.frozen? && !v.is_a?(Integer) && !v.is_a?(Float) && !v.is_a?(Symbol) && chance(0.3)
    v
  end

  def scalar
    case rand(100)
    when 0...18 then string
    when 18...28 then symbol
    when 28...42 then integer
    when 42...52 then float
    when 52...56 then [nil, true, false][rand(3)]
    when 56...64 then time
    when 64...68 then date
    when 68...71 then BigDecimal(pick(%w[1.5 0 -0.001 1e20 123456789012345678901234567890.5 NaN Infinity -Infinity 3.14159]))
    when 71...74 then Rational(integer_small, pick([1, 2, 3, 7, 10**20]))
    when 74...77 then Complex(pick([1, -2, 1.5, -0.0, Rational(2, 3), Rational(-1, 3), 10**20]), pick([1, -1, 0.5, -0.0, Rational(-2, 3), Float::NAN, 2**70]))
    when 77...80 then Regexp.new(pick(REGEXPS), pick([0, 1, 2, 4, 7]))
    when 80...82 then pick([String, Comparable, Point, Kernel, Encoding::Converter])
    when 82...85 then exception
    when 85...89 then user_string
    when 89...95 then @as ? active_support : string
    else range
    end
  end

  def integer_small = rand(2000) - 1000

  def integer
    case rand(4)
    when 0 then pick(INTS)
    when 1 then integer_small
    when 2 then (rand(2**(rand(200) + 1))) * pick([1, -1])
    else pick(INTS) + pick([-1, 0, 1])
    end
  end

  def float
    case rand(8)
    when 0 then pick([0.0, -0.0, 1.0, -1.5, 0.1, 1e15, 1e16, 1.0e-5, 0.0001, 5e-324, Float::MAX, Float::NAN, Float::INFINITY, -Float::INFINITY, 2.2250738585072014e-308])
    when 1 then [rand(2**64)].pack("Q").unpack1("D")
    when 2 then (rand * 10**rand(20)).round(rand(6))
    when 3 then rand(2**53).to_f * pick([1, -1]) / pick([1, 2, 4, 8, 10, 1024])
    when 4 then 10.0**(rand(600) - 300)
    when 5 then 1e15 + rand(9 * 10**15) + rand.round(2)
    when 6 then 2.0**(rand(2000) - 1000)
    else rand - 0.5
    end
  end

  def text
    case rand(5)
    when 0 then pick(WORDS)
    when 1 then Array.new(rand(12)) { (32 + rand(95)).chr }.join
    when 2 then Array.new(rand(6)) { pick([rand(0x80..0x7ff), rand(0x800..0xd7ff), rand(0xe000..0xfffd), rand(0x10000..0x10ffff), rand(0..31), 0x3042, 0xe9]) }.pack("U*")
    when 3 then pick(WORDS) * (rand(3) + 1) + "\u00e9\u3042"
    else ""
    end
  end

  def string
    enc = pick(ENCODINGS)
    s = text
    return s if enc == "UTF-8" && chance(0.7)
    if chance(0.15) # raw bytes, valid in the encoding or not
      return Array.new(rand(8)) { rand(256) }.pack("C*").force_encoding(enc)
    end
    s.encode(enc)
  rescue EncodingError
    s.b.force_encoding(enc).valid_encoding? ? s.b.force_encoding(enc) : s.encode("US-ASCII", undef: :replace, invalid: :replace).force_encoding(enc)
  end

  def symbol
    case rand(6)
    when 0, 1, 2 then pick(SYMS).to_sym
    when 3 then pick(WORDS).to_sym
    else
      s = string
      s.valid_encoding? ? s.to_sym : :fallback
    end
  end

  def user_string
    case rand(5)
    when 0 then MyStr.new(text)
    when 1 then text.dup.extend(Ext)
    when 2 then text.dup.extend(Ext).extend(Ext2)
    when 3 then text.dup.tap { |s| s.instance_variable_set(:@meta, integer_small) }
    else Point.new(integer_small, text)
    end
  end

  def time
    t = Time.at(rand(4_000_000_000) - 1_000_000_000, rand(1_000_000_000), :nsec)
    t = Time.at(t.to_i) if chance(0.3)
    t = Time.at(t.to_r.round(3)) if chance(0.2)
    case rand(4)
    when 0 then t.utc
    when 1 then t.localtime(pick(["+09:00", "-05:00", "+05:30", "+00:00", "-00:30"]))
    when 2 then Time.utc(rand(6000) - 3000, rand(12) + 1, rand(28) + 1, rand(24), rand(60), rand(60))
    else t.getlocal(pick([0, 3600, -7200, 19800]))
    end
  end

  def date
    d = Date.jd(rand(3_000_000))
    chance(0.5) ? d : DateTime.new(d.year, d.month, d.day, rand(24), rand(60), rand(60), pick(["+00:00", "+09:00", "-05:00"]))
  end

  def exception
    case rand(3)
    when 0 then RuntimeError.new(pick(["", "boom", "multi\nline", "caf\u00e9"]))
    when 1 then RuntimeError.new
    else MyErr.new(text)
    end
  end

  def range
    case rand(4)
    when 0 then Range.new(integer_small, integer_small, chance(0.5))
    when 1 then Range.new(text, text, chance(0.5))
    when 2 then Range.new(nil, integer_small)
    else Range.new(float, nil, true)
    end
  end

  def active_support
    case rand(4)
    when 0 then ActiveSupport::HashWithIndifferentAccess.new(pick(WORDS) => integer_small, pick(WORDS) => text)
    when 1 then time.in_time_zone(pick(ZONES))
    when 2 then pick([5.minutes, 2.days + 3.hours, 1.year, 90.seconds, 1.5.hours])
    else text.html_safe
    end
  end

  def key
    case rand(20)
    when 0...10 then pick(WORDS) + (chance(0.3) ? rand(100).to_s : "")
    when 10...16 then symbol
    when 16 then integer_small
    when 17 then pick([nil, true, false, 1.5, integer, text.encode("US-ASCII", undef: :replace, invalid: :replace)])
    else # keys of the classes with meaning: as_json makes them key.to_s
      pick([-> { time }, -> { date }, -> { BigDecimal(pick(%w[1.5 -0.001 1e20 0])) }, -> { Rational(integer_small, 7) },
            -> { Complex(integer_small, pick([1, -2, Rational(1, 3)])) }, -> { Range.new(integer_small, integer_small) },
            -> { @as ? time.in_time_zone(pick(ZONES)) : time }]).call
    end
  end

  def container(depth)
    case rand(100)
    when 0...40
      h = chance(0.05) ? MyHash.new : (chance(0.07) ? Hash.new(scalar) : {})
      rand(5).times { h[key] = value(depth + 1) }
      h.compare_by_identity if chance(0.03)
      h[:self] = h if chance(0.03)
      h
    when 40...75
      a = chance(0.05) ? MyArr.new : []
      rand(6).times { a << value(depth + 1) }
      a << a if chance(0.04)
      a.extend(Ext) if chance(0.03)
      a
    when 75...82 then Set.new(Array.new(rand(4)) { scalar_key })
    when 82...90 then Plain.new(value(depth + 1), value(depth + 1))
    when 90...95 then Point.new(value(depth + 1), value(depth + 1))
    else [value(depth + 1)].tap { |a| a.instance_variable_set(:@tag, symbol) }
    end
  end

  def scalar_key = pick([integer_small, text, symbol])
end
