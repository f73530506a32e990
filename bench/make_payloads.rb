# Writes the benchmark payloads with real Ruby (Marshal.dump):
#   ruby bench/make_payloads.rb bench/payloads     (make fixtures runs it)
require "fileutils"
require "securerandom"
out = ARGV[0] || File.join(__dir__, "payloads")
FileUtils.mkdir_p(out)
rng = Random.new(8)
hex = ->(n) { rng.bytes(n).unpack1("H*") }
b64 = ->(n) { [rng.bytes(n)].pack("m0").tr("+/", "-_").delete("=") }

hello = {"message".encode("US-ASCII") => "hello"}
typical = {
  "session_id" => hex.(16),
  "_csrf_token".encode("US-ASCII") => b64.(32).encode("US-ASCII"),
  "warden.user.user.key" => [[1234567], "$2a$12$" + b64.(16)[0, 22]],
  "warden.user.user.session" => {"last_request_at" => 1769693054},
  "flash" => {"discard" => ["notice".encode("US-ASCII")], "flashes" => {"notice".encode("US-ASCII") => "Signed in successfully."}},
  "locale".encode("US-ASCII") => "en",
  "user_return_to" => "/accounts/1234567/settings/notifications?tab=email",
  "last_seen_ratio" => 0.7342,
  "feature_flags" => {"new_dashboard" => true, "beta_search" => false},
}
cart = typical.merge("cart" => (1..40).map do |i|
  {"sku" => "SKU-%06d" % (i * 37), "name" => "Product number #{i}", "qty" => i % 4 + 1,
   "price" => (i * 3.75).round(2), "added_at" => 1769690000 + i * 61}
end)
strings = typical.merge("notes" => (1..64).map { |i| "Note #{i}: " + ("lorem ipsum dolor sit amet " * 36)[0, 990] },
                        "draft" => "x" * 2000)
many = (1..10_000).map { |i| {"id" => i, "name" => "item #{i}", "email" => "u#{i}@example.com", "ok" => i.odd?, "score" => i * 0.25} }
{"hello" => hello, "typical" => typical, "cart" => cart, "strings" => strings, "many_hashes" => many}.each do |name, v|
  data = Marshal.dump(v)
  File.binwrite(File.join(out, "#{name}.bin"), data)
  puts "#{name}: #{data.bytesize} bytes"
end
