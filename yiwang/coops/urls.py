"""Pages of the cooperatives: the roll-ups and each cooperative's charter and board, the
towns' alliances, the members and their shares, trading, and the year's distribution."""

from yiwang.coops.views import alliances, coops, distributions, members

app_name = "coops"
urlpatterns: list = [
    *coops.urlpatterns,
    *alliances.urlpatterns,
    *members.urlpatterns,
    *distributions.urlpatterns,
]
