#!/usr/bin/env python3
"""A TCP-to-Unix-socket relay that counts the bytes of each connection.

usage: count_proxy.py LISTEN_PORT UNIX_SOCKET STATS_FILE

Listens on 127.0.0.1:LISTEN_PORT and relays every connection to the server's
Unix socket UNIX_SOCKET, unchanged.  When a connection ends it appends one line
"to_server=N from_server=M" to STATS_FILE: every byte of the PostgreSQL wire
protocol that went each way (startup, query text, result rows, all of it).
bench/scaleout/run.sh points a foreign server at it to measure what travels.
"""
import asyncio
import sys


async def pump(reader, writer, count, key):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            count[key] += len(data)
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def main(port, path, stats):
    async def handle(creader, cwriter):
        sreader, swriter = await asyncio.open_unix_connection(path)
        count = {"to_server": 0, "from_server": 0}
        await asyncio.gather(pump(creader, swriter, count, "to_server"),
                             pump(sreader, cwriter, count, "from_server"),
                             return_exceptions=True)
        with open(stats, "a") as f:
            f.write("to_server=%d from_server=%d\n" % (count["to_server"], count["from_server"]))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
