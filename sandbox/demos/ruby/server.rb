require "socket"

# A tiny web app from the standard library: says hello, and answers a health check.
port = Integer(ENV["PORT"] || 8080)
server = TCPServer.new("0.0.0.0", port)
puts "listening on #{port}"
trap("TERM") { exit }
loop do
  client = server.accept
  request = client.gets.to_s
  body = request.start_with?("GET /healthz") ? "{\"status\": \"ok\"}\n" : "Hello, World!\n"
  client.print "HTTP/1.1 200 OK\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}"
  client.close
end
