# Seeds for the migrate fuzz target (tests/fuzz/fuzz_migrate.c) from the
# committed fixtures: Rails' cache entries and Marshal values as records
# "KEY" PTTL "VALUE" (quoted as redis-cli --no-raw prints them), the CLI
# cases' failing records, and redis-cli replies for rsess records.
# Usage: ruby tests/fuzz/seed_migrate.rb OUT_DIR (from the repository root).
require 'digest'
require 'fileutils'

PRIV = '2::edacda0778c0af8ec3f0a1795c0b26d78d2b3a57eb76fceaf37b4b3bed2b8eab'
ESC = { 0x22 => '\\"', 0x5c => '\\\\', 0x0a => '\\n', 0x0d => '\\r', 0x09 => '\\t', 0x07 => '\\a', 0x08 => '\\b' }.freeze

def quote(bytes)
  '"' + bytes.bytes.map { |c| ESC[c] || (c >= 0x20 && c < 0x7f ? c.chr : format('\\x%02x', c)) }.join + '"'
end

def small(pattern, limit = 600)
  Dir.glob(pattern).sort.select { |p| File.size(p) <= limit }
end

out = ARGV.fetch(0)
FileUtils.mkdir_p(out)
seeds = []
small('tests/fixtures/entries/as*_*[!e].bin').each_with_index do |p, i|
  mode = 1 | (i & 2) | ((i % 3) << 2) | (i & 4 != 0 ? 16 : 0) | (i & 8 != 0 ? 32 : 0) | (i & 1 != 0 ? 64 : 0)
  ns = mode & 16 != 0 ? 'session' : 'myapp'
  seeds << [mode, format("\"%s:_session_id:%s\" %d %s\n", ns, PRIV, 7000 - i, quote(File.binread(p)))]
end
small('tests/fixtures/marshal/*.bin', 200).first(40).each_with_index do |p, i|
  mode = 2 * (i & 1) | ((i % 3) << 2) | (i & 2 != 0 ? 16 : 0) | (i & 4 != 0 ? 32 : 0) | (i & 8 != 0 ? 64 : 0)
  key = i & 1 != 0 ? "session:#{PRIV}" : 'session:36334d75885e1c87c38636160d0058aa'
  seeds << [mode, format("\"%s\" %d %s\n", key, i & 2 != 0 ? -1 : 5000, quote(File.binread(p)))]
end
failing = ["\"session:#{PRIV}\" 5000 \"\\x04\\bi\\x06\"", 'garbage line', "\"session:#{PRIV}\" 0 \"\\x04\\bi\\x06\"",
           '"session:2::zz" 5000 "\\x04\\bi\\x06"', "\"session:#{PRIV}\" 5000 \"\\x04\\b{\"",
           "\"session:#{PRIV}\" 5000 (nil)", "\"other:#{PRIV}\" 5000 \"\\x04\\bi\\x06\"", "session:x\t\"\\x04\\b0\"",
           '"session:2::aa" 5000 (error) MOVED 1234 127.0.0.1:7001', '"myapp:_session_id:a:hash:0123456789" 10 "\\x04\\b0"']
[0x52, 0x40, 0x13].each { |mode| seeds << [mode, failing.join("\n") + "\n"] }
pair = ['"session:2::a"', '(integer) 5400000', '"\\x04\\bi\\x06"', '"session:2::b"', '(integer) -2', '(nil)',
        '-> Redirected to slot [1234] located at 127.0.0.1:7001', '"we\\"ird\\\\key"', '(integer) -1',
        '"\\x04\\b[\\x00"', '"session:2::c"', '(error) MOVED 1234 127.0.0.1:7001',
        '(error) MOVED 1234 127.0.0.1:7001', '"session:2::d"', '(integer) -1',
        '(error) WRONGTYPE Operation against a key holding the wrong kind of value', '"k"', '1) "x"']
seeds << [0x80, pair.join("\n") + "\n"]
seeds << [0x81, "session:#{PRIV}\n\"session:2::\\x00q\"\nplain key\n\n"]
seeds.each do |mode, text|
  b = [mode].pack('C') + text.b
  File.binwrite(File.join(out, Digest::SHA1.hexdigest(b)), b)
end
puts "#{seeds.size} seeds in #{out}"
