from jxc.platform.runner import run
from jxc.supplier.bootstrap import build


def main() -> None:
    run(build)


if __name__ == "__main__":
    main()
