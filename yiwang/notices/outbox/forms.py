"""The group robot's form: its fields are register_robot's and update_robot's arguments.
The address and the secret are never put back into the form: an empty field keeps them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.notices.models.outbox import ROBOT_CHANNELS, Robot
from yiwang.notices.outbox.robots import manageable_areas


class RobotForm(forms.Form):
    area_code = forms.ChoiceField(label=_("Village or grid"))
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(c.value, c.label) for c in ROBOT_CHANNELS]
    )
    name = forms.CharField(label=_("Group name"), max_length=60)
    url = forms.CharField(
        label=_("Robot address"),
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The webhook address from the group's robot settings; it is kept encrypted."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Only for a DingTalk or Feishu robot with signing switched on."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, robot: Robot | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.robot = robot
        if robot is None:
            self.fields["area_code"].choices = [
                (a.code, f"{a.name} · {a.code}") for a in manageable_areas(user)
            ]
            return
        # A robot stays on its area and channel; an empty address or secret keeps it.
        for name in ("area_code", "channel"):
            del self.fields[name]
        self.fields["url"].required = False
        self.fields["url"].help_text = _(
            "Configured. Leave empty to keep it; paste a new address to replace it."
        )
        self.fields["secret"].help_text = (
            _("Configured. Leave empty to keep it.") if robot.secret else _("Not configured.")
        )
        self.fields["clear_secret"] = forms.BooleanField(
            label=_("Remove the signing secret"), required=False
        )
        if not self.is_bound:
            self.initial.update(name=robot.name, is_active=robot.is_active)
