# ruby bench/ruby-bench.rb FILE...: Ruby's own Marshal (C) measured the way
# bench/rsess-bench.c measures rsess, one line per file:
#   NAME DECODE_OPS ENCODE_OPS DEC_MB/s HEAP/B REACH/B ENTRY_OPS LOOKUP_OPS CURSOR_OPS
# ops per second in process, after a warm-up, the median of 5 runs of >= 0.4 s.
# Ruby's equivalents of rsess's operations: decode = Marshal.load, encode =
# Marshal.dump; entry = what Rails' Cache::Coder#load does with the
# compressed 7.1 entry beside FILE (NAME.e71): unpack the 15-byte header,
# Zlib.inflate the rest, Marshal.load it; lookup = Marshal.load + one hash
# fetch of the key rsess looks up (warden.user.user.key, or the first key);
# cursor = Marshal.load + the top-level keys (a Hash) or size (an Array):
# Ruby has no way to read the keys without building the whole value.
#
# Memory, per input byte (see live_heap below): HEAP = the growth of
# ObjectSpace.memsize_of_all when the value is loaded and kept, REACH = the
# memsize_of sum over the objects reachable from the value.
#
# For bench/compare.sh and bench/callgrind.sh:
#   --one METRIC FILE      one 0.4 s run after a warm-up, ops per second
#   --count METRIC N FILE  exactly N operations after the set-up (callgrind
#                          runs it with N and with 0 and divides the difference)
#   --mem FILE             HEAP/B REACH/B
# METRIC: decode borrow (the same as decode: Ruby has one load) encode entry
# lookup cursor. "-" (or nothing, exit 3) when a metric does not apply.
require "zlib"

def run(secs)
  n = 1
  total = 0
  start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  loop do
    n.times { yield }
    total += n
    t = Process.clock_gettime(Process::CLOCK_MONOTONIC) - start
    return total / t if t >= secs
    n *= 2
  end
end

def median5(&blk)
  run(0.1, &blk)
  Array.new(5) { run(0.4, &blk) }.sort[2]
end

# the value inside a Rails 7.1 entry, as ActiveSupport::Cache::Coder#load
# reads it (formats.md 4.2): header "CEl<" after the 2-byte signature, the
# version (if any) skipped, the payload inflated when the 0x80 flag is set
def entry_load(entry)
  _type, _expires_at, vlen = entry.unpack("CEl<", offset: 2)
  payload = entry.byteslice(15 + (vlen < 0 ? 0 : vlen)..)
  payload = Zlib::Inflate.inflate(payload) if _type & 0x80 != 0
  Marshal.load(payload)
end

# the operations for one file: name => lambda (nil when it does not apply)
def ops(path)
  data = File.binread(path)
  obj = Marshal.load(data)
  epath = path.sub(/\.bin\z/, ".e71")
  entry = epath != path && File.exist?(epath) ? File.binread(epath) : nil
  key = if obj.is_a?(Hash)
          obj.key?("warden.user.user.key") ? "warden.user.user.key" : obj.keys.first.to_s
        end
  load = -> { Marshal.load(data) }
  {
    "decode" => load,
    "borrow" => load,
    "encode" => -> { Marshal.dump(obj) },
    "entry" => entry && -> { entry_load(entry) },
    "lookup" => key && -> { Marshal.load(data)[key] },
    "cursor" => -> { v = Marshal.load(data); v.is_a?(Hash) ? v.keys : v.size },
  }
end

# Ruby's live heap for the value, in bytes. ObjectSpace.memsize_of(o) is the
# object's 40-byte slot plus what it has malloc'ed (a Hash's table, a long
# String's buffer, an Array's element buffer); immediates (Fixnums, flonum
# Floats, true/false/nil, static Symbols such as :admin) are 0, as they
# live inside the slot that holds them. Two measures:
# - HEAP: a full GC (GC.start, marking everything and sweeping at once)
#   before the load and another after it, with the value still referenced,
#   so memsize_of_all's growth is exactly the objects that stayed alive
#   because of the load: Marshal's garbage (its object table, the key
#   Strings a Hash replaced by frozen copies) is gone, while frozen keys it
#   interned stay counted, as they are the Hash's.
# - REACH: only the objects reachable from the value (ObjectSpace's
#   reachable_objects_from, walked without recursion, each object once,
#   classes and modules not followed): what the value itself holds, shared
#   keys counted once.
# bench/compare.sh reports REACH: it does not move with whatever else the
# process allocates or frees between the two collections (a few dozen
# bytes, which make HEAP swing by 15% on the 31-byte value; on the others
# the two agree within 1%), nor with what the process loaded before (the
# hash keys an earlier load interned are not in HEAP; --mem, which the
# table runs in a fresh process, has loaded nothing before).
# Both leave out what Ruby spends beyond its objects (free slots in heap
# pages, malloc's own overhead, the symbol and fstring tables), which is
# in Ruby's favour; rsess's figures (rsess-bench) count every byte its
# document asked its allocator for, leaving out only malloc's overhead.
def live_heap(data)
  require "objspace"
  GC.start(full_mark: true, immediate_sweep: true)
  before = ObjectSpace.memsize_of_all
  obj = Marshal.load(data)
  GC.start(full_mark: true, immediate_sweep: true)
  heap = ObjectSpace.memsize_of_all - before
  seen = {}.compare_by_identity
  stack = [obj]
  reach = 0
  until stack.empty?
    o = stack.pop
    next if seen.key?(o) || o.is_a?(Module) || o.is_a?(ObjectSpace::InternalObjectWrapper)
    seen[o] = true
    reach += ObjectSpace.memsize_of(o)
    kids = ObjectSpace.reachable_objects_from(o)
    stack.concat(kids) if kids
  end
  [heap, reach, obj]
end

case ARGV[0]
when "--one" # --one METRIC FILE: one 0.4 s run after a warm-up
  op = ops(ARGV[2])
  blk = op.fetch(ARGV[1])
  unless blk
    puts "-"
    exit
  end
  run(0.3) { op["decode"].call } # the same warm-up as rsess-bench --one
  run(0.1) { blk.call }
  printf("%.0f\n", run(0.4) { blk.call })
when "--count" # --count METRIC N FILE: N operations, untimed
  blk = ops(ARGV[3]).fetch(ARGV[1]) or exit 3
  Integer(ARGV[2]).times { blk.call }
when "--mem"
  data = File.binread(ARGV[1])
  heap, reach, = live_heap(data)
  printf("%.2f %.2f\n", heap.to_f / data.bytesize, reach.to_f / data.bytesize)
else
  printf("%-12s %12s %12s %10s %8s %8s %12s %12s %12s\n", "NAME", "DECODE_OPS", "ENCODE_OPS", "DEC_MB/s", "HEAP/B",
         "REACH/B", "ENTRY_OPS", "LOOKUP_OPS", "CURSOR_OPS")
  ARGV.each do |path|
    data = File.binread(path)
    op = ops(path)
    # in a fresh process: here the keys an earlier load interned (the
    # payloads share many) would be missing from HEAP
    heap, reach = IO.popen([RbConfig.ruby, __FILE__, "--mem", path], &:read).split.map(&:to_f)
    dec = median5(&op["decode"])
    enc = median5(&op["encode"])
    ent = op["entry"] ? median5(&op["entry"]) : 0
    look = op["lookup"] ? median5(&op["lookup"]) : 0
    cur = median5(&op["cursor"])
    printf("%-12s %12.0f %12.0f %10.1f %8.2f %8.2f %12.0f %12.0f %12.0f\n", File.basename(path).split(".").first,
           dec, enc, dec * data.bytesize / 1e6, heap, reach, ent, look, cur)
    $stdout.flush
  end
end
