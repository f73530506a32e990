# What JSON.parse makes of every DIR/*.json, one line each (accepted: a
# canonical form of the value, down to depth 8; refused: the error class).
# Runs in Debian's Ruby 3.1 and in the Ruby 3.4 wasm build (ruby34_json.sh),
# whose results are compared; the last expression is the text (vm.eval).
require "json"
def canon(v, d = 0)
  return "deep" if d > 8 # the wasm build has a small stack
  case v
  when String then "s#{v.b.unpack1("H*")}/#{v.encoding}"
  when Integer then "i#{v}"
  when Float then "f#{[v].pack("G").unpack1("H*")}"
  when Array then "[" + v.map { |x| canon(x, d + 1) }.join(",") + "]"
  when Hash then "{" + v.map { |k, x| canon(k, d + 1) + ":" + canon(x, d + 1) }.join(",") + "}"
  else v.inspect
  end
end
out = +""
Dir.glob(File.join(ARGV[0], "*.json")).sort.each do |f|
  r = begin
    "ok " + canon(JSON.parse(File.binread(f).force_encoding("UTF-8")))
  rescue JSON::NestingError then "NestingError"
  rescue JSON::ParserError then "ParserError"
  end
  out << "#{File.basename(f)}\t#{r}\n"
end
print out if RUBY_ENGINE == "ruby" && !defined?(JS) && RUBY_PLATFORM !~ /wasm/
out
