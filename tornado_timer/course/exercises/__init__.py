"""The exercises of each notebook: one module per notebook (`tornado_timer.course.MODULES` names them), each with
its checks, which run an answer against a server of their own where the task talks to one, and its solutions."""
