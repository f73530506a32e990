# The differential test (issue 19): random Ruby values made by Debian's Ruby
# and ActiveSupport 6.1, checked against rsess (tests/diff/driver.c, one
# process for the whole batch). Prints counts per check, shrinks each
# failure to a minimal repro and appends it to tests/diff/repros.tsv (values)
# or tests/diff/repros/json_*.json (JSON texts); `make fixtures` turns those
# into fixtures `make test` checks (tests/fixtures/generate_repros.rb,
# generate_json.rb).
#
#   ruby tests/diff/diff.rb DRIVER [SEED] [COUNT] [JSON_COUNT] [FLOAT_COUNT]
require "json"
require "open3"
require "zlib"
require "active_support"
require "active_support/cache"
require "active_support/core_ext"
require "active_support/json"
require "active_support/time"
require_relative "../fixtures/ruby_helpers"
require_relative "gen"
require_relative "json_gen"

DRIVER = ARGV.fetch(0)
SEED = Integer(ARGV[1] || 1)
COUNT = Integer(ARGV[2] || 20_000)
JSON_COUNT = Integer(ARGV[3] || 5_000)
FLOAT_COUNT = Integer(ARGV[4] || 100_000)
DIR = __dir__
MAX_SHRINK = Integer(ENV["MAX_SHRINK"] || 300) # failures shrunk per check (all are counted)

def hex(s) = s.b.unpack1("H*")
def unhex(h) = [h].pack("H*")

# Runs requests (arrays of fields) through one driver process.
def drive(reqs)
  out, st = Open3.capture2(DRIVER, stdin_data: reqs.map { |r| r.join("\t") + "\n" }.join)
  raise "driver failed: #{st}" unless st.success?
  lines = out.split("\n", -1)
  lines.pop if lines.last == ""
  raise "driver answered #{lines.size} of #{reqs.size}" unless lines.size == reqs.size
  lines.map do |l|
    w = l.split(" ", 3)
    w[0] == "OK" ? [:ok, unhex(w[1] || "")] : [:err, w[1].to_i, unhex(w[2] || "")]
  end
end

def cyclic?(v, stack = {})
  return true if stack[v.object_id]
  kids = case v
         when Hash then v.to_a.flatten(1) + [v.default]
         when Array, Struct then v.to_a
         when Range then [v.begin, v.end]
         when Set then v.to_a
         when Plain then v.instance_variables.map { |i| v.instance_variable_get(i) }
         else []
         end
  return false if kids.empty?
  stack[v.object_id] = true
  r = kids.any? { |k| cyclic?(k, stack) }
  stack.delete(v.object_id)
  r
end

KEY_CLASSES = [String, Symbol, Integer, NilClass, TrueClass, FalseClass, Float, Time, Date, BigDecimal, Rational,
               Complex, Range, ActiveSupport::TimeWithZone]
# JSON check only where the documented mapping is Ruby's: text in UTF-8
# (or ASCII), keys Ruby turns into text the same way, no cycles.
def json_comparable?(v, seen = {})
  return false if seen[v.object_id]
  case v
  when String, Symbol
    s = v.to_s
    wide = %w[UTF-16LE UTF-16BE UTF-32LE UTF-32BE].include?(s.encoding.name) # transcoded, as Ruby does
    s.valid_encoding? && (wide || ((s.encoding == Encoding::UTF_8 || s.ascii_only?) &&
                                   (s.ascii_only? || [Encoding::UTF_8, Encoding::US_ASCII, Encoding::BINARY].include?(s.encoding))))
  when Hash
    seen[v.object_id] = true
    r = v.all? { |k, x| KEY_CLASSES.any? { |c| k.is_a?(c) } && json_comparable?(k, seen) && json_comparable?(x, seen) }
    seen.delete(v.object_id)
    r
  when Array, Set
    seen[v.object_id] = true
    r = v.all? { |x| json_comparable?(x, seen) }
    seen.delete(v.object_id)
    r
  when Struct, Plain
    seen[v.object_id] = true
    r = (v.is_a?(Struct) ? v.to_a : v.instance_variables.map { |i| v.instance_variable_get(i) }).all? { |x| json_comparable?(x, seen) }
    seen.delete(v.object_id)
    r
  when Range then json_comparable?(v.begin, seen) && json_comparable?(v.end, seen)
  when Exception then json_comparable?(v.message, seen)
  when Module then false # as_json of a Class is its (empty) instance_values, rsess prints the name
  else true
  end
end

# Code points Unicode 14 and 15 assigned: Ruby 3.4 (rsess's target) prints
# them, Ruby 3.1 (the golden) escapes them (docs/json-mapping.md). From
# Debian's unicode-data (Unicode 15.0), compared with Ruby 3.1's own inspect.
UNICODE15 = begin
  set = {}
  first = nil
  File.foreach("/usr/share/unicode/UnicodeData.txt") do |l|
    f = l.split(";")
    cp = f[0].to_i(16)
    next if f[2] =~ /\A(C|Z[lp])/
    if f[1].end_with?("First>") then first = cp
    elsif f[1].end_with?("Last>") then (first..cp).each { |c| set[c] = true }
    else set[cp] = true
    end
  end
  set
rescue Errno::ENOENT
  {}
end

def newer_unicode?(v, seen = {})
  return false if seen[v.object_id]
  seen[v.object_id] = true
  case v
  when String, Symbol
    s = v.to_s
    s.encoding == Encoding::UTF_8 && s.valid_encoding? &&
      s.each_char.any? { |c| c.ord >= 0x80 && UNICODE15[c.ord] && c.inspect.include?("\\u") }
  when Hash then v.any? { |k, x| newer_unicode?(k, seen) || newer_unicode?(x, seen) }
  when Array then v.any? { |x| newer_unicode?(x, seen) }
  else false
  end
end

# The Ruby view is compared with Ruby's inspect (3.1's, Hash in 3.4's
# layout) except where rsess differs on purpose (plain objects have no
# address; ActiveSupport's classes print Rails' text, not loadable without
# it) or Ruby 3.1 is older than 3.4 (newer Unicode).
def ruby_view_comparable?(v, seen = {})
  return true if seen[v.object_id]
  seen[v.object_id] = true
  ok = case v
       when Exception then !v.message.include?("\n") # 3.4 prints a multi-line message inspected
       when Plain, ActiveSupport::HashWithIndifferentAccess, ActiveSupport::TimeWithZone,
            ActiveSupport::Duration, ActiveSupport::SafeBuffer then false
       when Hash then v.default.nil? && v.all? { |k, x| ruby_view_comparable?(k, seen) && ruby_view_comparable?(x, seen) }
       when Array, Set, Struct then v.to_a.all? { |x| ruby_view_comparable?(x, seen) }
       when Range then ruby_view_comparable?(v.begin, seen) && ruby_view_comparable?(v.end, seen)
       else true
       end
  ok && !newer_unicode?(v)
end

# Fills in the Ruby side of the "ruby" cases in one Ruby process without
# ActiveSupport (tests/diff/inspect31.rb).
def fill_inspects(cases)
  todo = cases.select { |c| c.check == "ruby" && c.want == :later }
  out, = Open3.capture2("ruby", File.join(DIR, "inspect31.rb"), stdin_data: todo.map { |c| c.req[1] + "\n" }.join)
  todo.zip(out.split("\n")).each { |c, h| c.want = h.nil? || h == "-" ? nil : unhex(h) }
  cases.reject! { |c| c.check == "ruby" && c.want.nil? }
end

def norm_json(text) = JSON.generate(JSON.parse(text, max_nesting: false, allow_nan: true))

def json_native_text(v)
  JSON.generate(v)
rescue StandardError, SystemStackError
  nil
end

CHECKS = %w[typed json ruby from_json entry_write entry_read json_text floats]
$counts = Hash.new { |h, k| h[k] = {run: 0, fail: 0} }
$fails = Hash.new { |h, k| h[k] = [] }

# A check is a request to the driver and a verdict on the answer.
Case = Struct.new(:check, :value, :req, :want, :extra)

def verdict(c, ans)
  case c.check
  when "typed", "from_json", "entry_write", "entry_read"
    ans[0] == :ok && ans[1] == c.want
  when "json"
    ans[0] == :ok && (norm_json(ans[1].force_encoding("UTF-8")) rescue nil) == c.want
  when "ruby", "floats"
    ans[0] == :ok && ans[1].force_encoding("UTF-8") == c.want.dup.force_encoding("UTF-8")
  when "json_text"
    if c.want.nil? then ans[0] == :err && ans[1] == c.extra
    else ans[0] == :ok && ans[1] == c.want
    end
  end
end

def cases_for(v, gen_opts)
  out = []
  bytes = Marshal.dump(v)
  out << Case.new("typed", v, ["T", hex(bytes)], bytes)
  if !cyclic?(v) && json_comparable?(v)
    want = (norm_json(JSON.generate(v.as_json)) rescue nil)
    out << Case.new("json", v, ["J", hex(bytes)], want) if want
  end
  out << Case.new("ruby", v, ["R", hex(bytes)], :later) if ruby_view_comparable?(v)
  if !cyclic?(v) && (t = json_native_text(v))
    out << Case.new("from_json", v, ["P", hex(t)], Marshal.dump(JSON.parse(t)))
  end
  out.concat(entry_cases(v, bytes, gen_opts)) if gen_opts[:entries]
  out
end

def entry_cases(v, bytes, o)
  fmt = o[:fmt]
  thr = o[:threshold]
  exp = o[:expires_at]
  ver = o[:version]
  case fmt
  when "71"
    data = Coder71.dump(v, expires_at: exp, version: ver, threshold: thr)
    t = data.getbyte(2)
    payload = data.byteslice(15 + (ver ? ver.b.bytesize : 0)..)
    payload = Zlib::Inflate.inflate(payload) if t & 0x80 != 0
    back = (t & 0x7f) == 1 ? v : payload.force_encoding({2 => "UTF-8", 3 => "BINARY", 4 => "US-ASCII"}[t & 0x7f])
    req = ["E", "71", exp ? exp.to_s : "-", ver ? hex(ver) : "-", thr ? thr.to_s : "-", "-", "-", hex(bytes)]
  when "70"
    data = Marshal70.dump(v, expires_at: exp, version: ver, threshold: thr)
    back = v
    req = ["E", "70", exp ? exp.to_s : "-", ver ? hex(ver) : "-", thr ? thr.to_s : "-", "-", "-", hex(bytes)]
  else
    e = ActiveSupport::Cache::Entry.new(v, expires_in: o[:expires_in], version: ver, compress: !thr.nil?,
                                        compress_threshold: thr || 1024)
    data = Marshal.dump(e)
    back = v # Marshal.load(data).value, whose re-dump is not byte-stable for every class (Exception)
    raise "6.1 entry does not load back" unless Marshal.dump(Marshal.load(data).value) == Marshal.dump(Marshal.load(Marshal.dump(v)))
    c = e.instance_variable_get(:@created_at)
    req = ["E", "61", "-", ver ? hex(ver) : "-", thr ? thr.to_s : "-", c.to_s, o[:expires_in] ? o[:expires_in].to_s : "-", hex(bytes)]
  end
  [Case.new("entry_write", v, req, data, o), Case.new("entry_read", v, ["D", hex(data)], Marshal.dump(back), o)]
rescue StandardError => e
  warn "entry #{fmt}: #{e.class}: #{e.message[0, 80]}"
  []
end

# --- shrinking ---------------------------------------------------------------
def smaller(v)
  c = []
  case v
  when Hash
    c.concat(v.keys + v.values)
    v.each_key { |k| h = v.dup; h.delete(k); c << h } if v.size > 0
    c << {}
  when Array
    c.concat(v.to_a)
    v.size.times { |i| a = v.dup; a.delete_at(i); c << a }
  when Set then c.concat(v.to_a) << Set.new
  when Struct then c.concat(v.to_a)
  when Plain then c.concat(v.instance_variables.map { |i| v.instance_variable_get(i) })
  when Range then c << v.begin << v.end
  when String
    c << v[0, v.size / 2] << v[1..] if v.size > 0
    c << "".force_encoding(v.encoding)
  when Integer then c << 0 << v / 2 if v != 0
  when Float then c << 0.0 << v.round if v.finite? && v != 0
  end
  c.reject { |x| x.equal?(v) }
end

def fails?(check, v, o)
  cs = cases_for(v, o.merge(entries: check.start_with?("entry"))).select { |c| c.check == check }
  fill_inspects(cs)
  return false if cs.empty?
  ans = drive(cs.map(&:req))
  cs.zip(ans).any? { |c, a| !verdict(c, a) }
rescue StandardError, SystemStackError
  false
end

def shrink(check, v, o)
  100.times do
    nxt = smaller(v).find { |x| fails?(check, x, o) }
    break unless nxt
    v = nxt
  end
  v
end

# The Floats in a value (through containers, ivars, ranges, complex parts).
def floats_in(v, acc = [], seen = {})
  return acc if seen[v.object_id]
  seen[v.object_id] = true
  case v
  when Float then acc << v
  when Hash then (v.to_a.flatten(1) + [v.default]).each { |x| floats_in(x, acc, seen) }
  when Array, Struct, Set then v.to_a.each { |x| floats_in(x, acc, seen) }
  when Range then [v.begin, v.end].each { |x| floats_in(x, acc, seen) }
  when Complex then [v.real, v.imaginary].each { |x| floats_in(x, acc, seen) }
  when ActiveSupport::Duration then floats_in(v.value, acc, seen)
  end
  v.instance_variables.each { |i| floats_in(v.instance_variable_get(i), acc, seen) } unless v.is_a?(Float) || v.is_a?(Integer) || v.frozen?
  acc
end

# A minimal repro holding a Float whose own text rsess gets wrong (in the
# Ruby view or in Marshal) fails because of the float text: that is
# lib/float_text.c's, another issue's.
def float_text?(v)
  fs = floats_in(v).uniq
  return false if fs.empty?
  reqs = fs.flat_map { |f| [["T", hex(Marshal.dump(f))], ["R", hex(Marshal.dump(f))]] }
  drive(reqs).each_slice(2).zip(fs).any? { |(t, r), f| t != [:ok, Marshal.dump(f)] || r != [:ok, f.to_s.b] }
end

def record_value_repro(check, v, o)
  path = File.join(DIR, "repros.tsv")
  expr = "Marshal.load([#{hex(Marshal.dump(v)).inspect}].pack(\"H*\"))"
  kind = check.start_with?("entry") ? "entry#{o[:fmt]}" : "value"
  line = "#{check}_#{Zlib.crc32(Marshal.dump(v) + kind).to_s(16)}\t#{kind}\t#{expr}"
  old = File.exist?(path) ? File.read(path) : ""
  File.write(path, old + line + "\n") unless old.include?(line.split("\t")[0])
  line
end

def fails_json_text?(t)
  want = begin
    [:ok, Marshal.dump(JSON.parse(t.dup.force_encoding("UTF-8")))]
  rescue JSON::NestingError then [:err, 20]
  rescue JSON::ParserError then [:err, 33]
  end
  a = drive([["P", hex(t)]])[0]
  want[0] == :ok ? a != [:ok, want[1]] : (a[0] != :err || a[1] != want[1])
end

# --- the run ---------------------------------------------------------------
gen = ValueGen.new(SEED)
er = Random.new(SEED + 7)
all = []
COUNT.times do |i|
  v = gen.value
  o = {entries: i % 3 == 0, fmt: %w[71 70 61][er.rand(3)], threshold: [nil, 1024, 64, 16][er.rand(4)],
       expires_at: er.rand(2) == 0 ? nil : (1_769_693_054 + er.rand).round(er.rand(8)).to_f,
       version: [nil, "v1", "users/1-20260129"][er.rand(3)], expires_in: [nil, 300, 5400.5][er.rand(3)]}
  o[:expires_at] = nil if o[:fmt] == "61"
  begin
    all.concat(cases_for(v, o).map { |c| c.extra ||= o; c })
  rescue StandardError, SystemStackError => e
    warn "value #{i}: #{e.class}: #{e.message[0, 80]}"
  end
end

# floats: the Ruby view, the JSON view and the typed round trip of each
fr = Random.new(SEED + 11)
FLOAT_COUNT.times do
  f = case fr.rand(4)
      when 0 then [fr.rand(2**64)].pack("Q").unpack1("D")
      when 1 then (fr.rand * 10**fr.rand(25)).round(fr.rand(18))
      when 2 then 10.0**(fr.rand(640) - 320) * (1 + fr.rand)
      else fr.rand(2**53) * 2.0**(fr.rand(200) - 100)
      end
  b = Marshal.dump(f)
  all << Case.new("floats", f, ["R", hex(b)], f.to_s, :ruby)
  all << Case.new("floats", f, ["T", hex(b)], b, :typed)
end
json_cases = JsonTextGen.new(SEED + 3).texts(JSON_COUNT).map do |t|
  begin
    Case.new("json_text", t, ["P", hex(t)], Marshal.dump(JSON.parse(t.dup.force_encoding("UTF-8"))), nil)
  rescue JSON::NestingError
    Case.new("json_text", t, ["P", hex(t)], nil, 20)
  rescue JSON::ParserError
    Case.new("json_text", t, ["P", hex(t)], nil, 33)
  end
end
all.concat(json_cases)

fill_inspects(all)
answers = drive(all.map(&:req))
all.zip(answers).each do |c, a|
  $counts[c.check][:run] += 1
  next if (verdict(c, a) rescue false)
  $counts[c.check][:fail] += 1
  $fails[c.check] << [c, a]
end

$float_owned = 0
$fails.each do |check, list|
  list.first(MAX_SHRINK).each do |c, a|
    $counts[check][:float] ||= 0
    if check == "json_text"
      t = JsonTextGen.shrink(c.value) { |x| fails_json_text?(x) rescue false } rescue c.value
      name = "json_#{Zlib.crc32(t).to_s(16)}"
      File.binwrite(File.join(DIR, "repros", "#{name}.json"), t)
      puts "FAIL json_text: #{t.inspect[0, 200]} -> rsess #{a[0] == :ok ? "accepts" : "refuses (#{a[1]})"}, Ruby #{c.want ? "accepts" : "refuses"}  [repro #{name}]"
    elsif check == "floats"
      next unless ENV["VERBOSE"]
      puts "FAIL floats (#{c.extra}): #{c.value.inspect} -> #{a[1].inspect[0, 80]} (Ruby #{c.want.inspect[0, 80]})"
    else
      v = shrink(check, c.value, c.extra)
      if float_text?(v) # float text: the float helper's (lib/float_text.c)
        $float_owned += 1
        $counts[check][:float] = ($counts[check][:float] || 0) + 1
        puts "FAIL #{check} (float text): #{v.inspect[0, 100]}" if ENV["VERBOSE"]
        next
      end
      line = record_value_repro(check, v, c.extra)
      opts = check.start_with?("entry") ? " #{c.req[0, 7].join(" ")}" : ""
      puts "FAIL #{check}: #{v.inspect[0, 200]}#{opts}  [#{line.split("\t")[0]}]"
    end
  end
end

puts "make diff: seed #{SEED}, #{COUNT} values, #{JSON_COUNT} JSON texts (Ruby refused #{json_cases.count { |c| c.want.nil? }}), #{FLOAT_COUNT} floats"
CHECKS.each do |k|
  f = k == "floats" ? $counts[k][:fail] : ($counts[k][:float] || 0)
  printf "  %-12s %7d run %6d failed (%d of them float text: lib/float_text.c)\n", k, $counts[k][:run], $counts[k][:fail], f
end
total = $counts.values.sum { |h| h[:fail] } - $counts["floats"][:fail]
others = total - $float_owned
puts "make diff: #{others} failures that are not float text; float text: #{$float_owned} in the checks above, #{$counts["floats"][:fail]} in floats"
exit(others.zero? ? 0 : 1)
