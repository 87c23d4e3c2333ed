"""Sends results out over an asyncio stream."""
import asyncio


async def send():
    reader, writer = await asyncio.open_connection("203.0.113.9", 9000)
    writer.write(b"results")
    await writer.drain()


asyncio.run(send())
