"""Runs a shell command through asyncio's subprocess helper."""
import asyncio


async def main():
    proc = await asyncio.create_subprocess_shell("id")
    await proc.wait()


asyncio.run(main())
