def test_a_missing_page_is_the_sites_own_404(client, bob):
    client.force_login(bob)
    response = client.get("/people/persons/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "mainnav" in body and 'name="viewport"' in body
