"""API v1 for users, posts and tokens."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.accounts import services
from yiwang.accounts.auth import TokenAuthentication
from yiwang.accounts.filters import PostFilterSet, UserFilterSet
from yiwang.accounts.models import Post, Role, User
from yiwang.accounts.selectors import token_id
from yiwang.core.api import ScopedViewSet


class UserSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "is_active"]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True)
    full_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    area_code = serializers.CharField(
        max_length=18, help_text="The area the account belongs to, where you may give posts."
    )


class PostSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "user",
            "role",
            "area_code",
            "area_name",
            "starts_on",
            "ends_on",
            "is_current",
        ]
        read_only_fields = fields


class PostCreateSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    area_code = serializers.CharField(max_length=18)
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class PostEndSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)


class UserViewSet(ScopedViewSet):
    queryset = User.objects.order_by("username")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.create_user(actor=request.user, **data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class PostViewSet(ScopedViewSet):
    queryset = Post.objects.select_related("user", "area")
    serializer_class = PostSerializer
    filterset_class = PostFilterSet

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def create(self, request):
        """Gives a post to a user you can see (or a new user, created first via /users/)."""
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = User.objects.visible_to(request.user).filter(username=values.pop("username")).first()
        if user is None:
            raise serializers.ValidationError(
                {"username": [_("There is no such user in your scope.")]}
            )
        post = services.grant_post(actor=request.user, user=user, **values)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PostEndSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """Ends the post (today, or on the given date)."""
        data = PostEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.end_post(
            actor=request.user, post_id=self.get_object().pk, on=data.validated_data["on"]
        )
        return Response(PostSerializer(post).data)


class TokenView(APIView):
    """POST {"username", "password"} → {"token", "expiry"}: a new API token, shown this once;
    send it as `Authorization: Token …`. DELETE with that header revokes it."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    def get_authenticators(self):
        # POST is the login itself; DELETE names the token to revoke by sending it.
        if getattr(self.request, "method", None) == "DELETE":
            return [TokenAuthentication()]
        return []

    def get_permissions(self):
        if getattr(self.request, "method", None) == "DELETE":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(),
                    "expiry": serializers.DateTimeField(help_text="When the token expires."),
                },
            )
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The username or password is wrong.")]}
            )
        token = services.issue_token(user=user)
        # The key is shown this once: no cache may keep it.
        return Response(
            {"token": token.key, "expiry": token.expiry}, headers={"Cache-Control": "no-store"}
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Revokes the token this request was sent with."""
        services.revoke_token(actor=request.user, token_id=token_id(request.auth))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()
