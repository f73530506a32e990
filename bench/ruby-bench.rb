# ruby bench/ruby-bench.rb FILE...: Ruby's own Marshal (C) measured the way
# rsess-bench measures rsess: NAME DECODE_OPS ENCODE_OPS DEC_MB/s, ops per
# second in process, after a warm-up, the median of 5 runs of >= 0.4 s.
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

if ARGV[0] == "--one" # --one decode|encode FILE: one 0.4 s run after a warm-up
  data = File.binread(ARGV[2])
  obj = Marshal.load(data)
  blk = ARGV[1] == "encode" ? -> { Marshal.dump(obj) } : -> { Marshal.load(data) }
  run(0.3) { Marshal.load(data) } # the same warm-up as rsess-bench --one
  run(0.1) { blk.call }
  printf("%.0f\n", run(0.4) { blk.call })
  exit
end

printf("%-12s %12s %12s %10s\n", "NAME", "DECODE_OPS", "ENCODE_OPS", "DEC_MB/s")
ARGV.each do |path|
  data = File.binread(path)
  obj = Marshal.load(data)
  dec = median5 { Marshal.load(data) }
  enc = median5 { Marshal.dump(obj) }
  printf("%-12s %12.0f %12.0f %10.1f\n", File.basename(path).split(".").first, dec, enc, dec * data.bytesize / 1e6)
  $stdout.flush
end
