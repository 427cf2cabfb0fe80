"""The battle map's figures in the cockpit (yiwang.projects.indicators), registered when
Django starts like the topics' menus."""


def register() -> None:
    from yiwang.projects.indicators import register_indicators

    register_indicators()
