from jxc.crm.bootstrap import build
from jxc.platform.runner import run


def main() -> None:
    run(build)


if __name__ == "__main__":
    main()
