pytest_plugins = ["jxc.platform.testing"]
