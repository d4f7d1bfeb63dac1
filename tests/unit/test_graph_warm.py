"""msgraph-sdk's models are loaded off the event loop: the first Graph answer no longer stops the service.

Runs in a fresh interpreter, since this test process has long imported every model.
"""

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent('''
    import asyncio, sys, threading, time

    from bot.graph.warm import warm_models

    USER_ONLY = "msgraph.generated.models.password_profile"  # parsed only as part of a user
    importers = []

    class Watch:
        """A finder that finds nothing and notes which thread imported the user's models."""
        def find_spec(self, name, path=None, target=None):
            if name == USER_ONLY:
                importers.append(threading.current_thread() is threading.main_thread())

    async def main():
        sys.meta_path.insert(0, Watch())
        ticks = 0
        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1
        ticker = asyncio.create_task(tick())
        await warm_models()
        ticker.cancel()
        from msgraph.generated.models.user import User
        from msgraph.generated.models.message import Message
        before = len(sys.modules)
        User().get_field_deserializers()
        Message().get_field_deserializers()
        print(importers, ticks > 0, len(sys.modules) - before)

    asyncio.run(main())
''')


def test_the_models_a_graph_answer_needs_are_imported_in_a_worker_thread_while_the_loop_runs() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)

    in_main_thread, loop_ran, imported_later = result.stdout.split(" ", 2)
    assert in_main_thread == "[False]", "the user's models were imported on the event loop's thread"
    assert loop_ran == "True", "the event loop did not run while the models were imported"
    assert imported_later.strip() == "0", "parsing a user or a mail still imports modules on the loop"
