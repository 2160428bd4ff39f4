def test_an_empty_question_creates_nothing(client, member):
    from apps.chat.models import Conversation

    analista = member("acme", "analista")
    client.force_login(analista.user)
    before = Conversation.all_tenants.filter(user=analista.user).count()
    assert client.post("/chat/", {"question": "   "}).status_code == 302
    assert client.post("/chat/", {"question": ""}, HTTP_HX_REQUEST="true").status_code == 204
    assert Conversation.all_tenants.filter(user=analista.user).count() == before
